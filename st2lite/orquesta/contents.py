"""Check the actions a workflow's tasks name against the registered actions before it starts, as
StackStorm's workflow service does on a request (inspect_task_contents): a reference that is not
`pack.name`, an action that is not registered, a required input left out, an input the action does
not take. Any of them fails the workflow before its first task. An action given as an expression
is checked when the task starts instead (see runner.py).

`actions` is the catalog run_workflow was given: `parameters(ref)` returns the specs of the
action's parameters and its runner's, or None when no such action is registered."""

from st2lite.orquesta import expressions

_TASK_SCHEMA_PATH = "properties.tasks.patternProperties.^\\w+$"
_ACTION_SCHEMA_PATH = _TASK_SCHEMA_PATH + ".properties.action"
_INPUT_SCHEMA_PATH = _TASK_SCHEMA_PATH + ".properties.input"
_INPUT_NAME_SCHEMA_PATH = _INPUT_SCHEMA_PATH + ".patternProperties.^\\w+$"


def inspect_task_contents(spec, actions):
    """Every problem as StackStorm reports it ({"type": "content", "message", "spec_path",
    "schema_path"}), ordered as StackStorm orders them: by schema path, then task order."""
    errors = []
    for name, task in spec.tasks.items():
        errors.extend(_task_errors(name, task, actions))
    return sorted(errors, key=lambda e: e["schema_path"])


def _task_errors(name, task, actions):
    ref = task.action
    if not ref or not isinstance(ref, str) or expressions.has_expressions(ref):
        return []
    action_path = "tasks.%s.action" % name
    if "." not in ref:
        return [
            _content(
                'The action reference "%s" is not formatted correctly.' % ref,
                action_path,
                _ACTION_SCHEMA_PATH,
            )
        ]
    parameters = actions.parameters(ref)
    if parameters is None:
        return [
            _content(
                'The action "%s" is not registered in the database.' % ref,
                action_path,
                _ACTION_SCHEMA_PATH,
            )
        ]
    if not isinstance(task.input, dict):
        return []  # an expression: its names are known only when the task starts
    return _input_errors(name, ref, task.input, parameters)


def _input_errors(name, ref, given, parameters):
    input_path = "tasks.%s.input" % name
    required = sorted(
        p
        for p, spec in parameters.items()
        if (spec or {}).get("required") and "default" not in (spec or {})
    )
    errors = [
        _content(
            'Action "%s" is missing required input "%s".' % (ref, p), input_path, _INPUT_SCHEMA_PATH
        )
        for p in required
        if p not in given
    ]
    errors.extend(
        _content(
            'Action "%s" has unexpected input "%s".' % (ref, p),
            "%s.%s" % (input_path, p),
            _INPUT_NAME_SCHEMA_PATH,
        )
        for p in sorted(set(given) - set(parameters))
    )
    return errors


def _content(message, spec_path, schema_path):
    return {
        "type": "content",
        "message": message,
        "spec_path": spec_path,
        "schema_path": schema_path,
    }
