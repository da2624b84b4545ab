"""An alias's `ack.extra` / `result.extra` rendered as StackStorm renders them (jinja_utils
.render_values): each value of the mapping is its own template, with undefined names an error;
a list or mapping value is rendered as JSON text and read back; a value without templates keeps
its type. The context is also reachable as `__context`."""

import json

from .jinja_env import make_environment

_ENVIRONMENT = make_environment(strict_undefined=True)


def render_extra(extra, context, render_text=None):
    """The rendered mapping; jinja2.TemplateError or ValueError (a rendered mapping that no
    longer reads as JSON) for one StackStorm could not render either. render_text(text,
    context), when given, renders each value instead of the alias environment."""
    render_text = render_text or _render_alias_text
    rendered = {}
    for key, value in (extra or {}).items():
        structured = isinstance(value, (dict, list))
        text = json.dumps(value) if structured else str(value)
        output = render_text(text, dict(context, __context=context))
        if output == text:
            rendered[key] = value
        else:
            rendered[key] = json.loads(output) if structured else output
    return rendered


def _render_alias_text(text, context):
    return _ENVIRONMENT.from_string(text).render(context)
