"""An alias's `ack.extra` / `result.extra` rendered as StackStorm renders them (jinja_utils
.render_values): each value of the mapping is its own template, with undefined names an error;
a list or mapping value is rendered as JSON text and read back; a value without templates keeps
its type. The context is also reachable as `__context`."""

import json

from .jinja_env import make_environment

_ENVIRONMENT = make_environment(strict_undefined=True)


def render_extra(extra, context):
    """The rendered mapping; jinja2.TemplateError or ValueError (a rendered mapping that no
    longer reads as JSON) for one StackStorm could not render either."""
    rendered = {}
    for key, value in (extra or {}).items():
        structured = isinstance(value, (dict, list))
        text = json.dumps(value) if structured else str(value)
        output = _ENVIRONMENT.from_string(text).render(dict(context, __context=context))
        if output == text:
            rendered[key] = value
        else:
            rendered[key] = json.loads(output) if structured else output
    return rendered
