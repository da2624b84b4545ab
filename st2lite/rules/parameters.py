"""Renders a rule's `action.parameters` with Jinja, as StackStorm renders them: each value is
rendered as text (lists and dicts through their JSON form, so templates inside them render too);
a value without templates keeps its original type. Rendered values are text: the action runner
casts them to the action's declared parameter types."""

import json

from st2lite.rules.templating import is_template, render

__all__ = ["render_parameters", "ParameterRenderError"]


class ParameterRenderError(ValueError):
    """One line naming the parameter that did not render and why."""


def _render_value(value, context):
    if isinstance(value, (dict, list)):
        text = json.dumps(value)
        if not is_template(text):
            return value
        return json.loads(render(text, context))
    if isinstance(value, str):
        return render(value, context) if is_template(value) else value
    return value


def render_parameters(parameters, context):
    rendered = {}
    for name, value in (parameters or {}).items():
        try:
            rendered[name] = _render_value(value, context)
        except Exception as error:
            reason = str(error).strip().replace("\n", " ") or type(error).__name__
            raise ParameterRenderError(
                'Failed to render parameter "%s" of the action: %s' % (name, reason)
            ) from error
    return rendered
