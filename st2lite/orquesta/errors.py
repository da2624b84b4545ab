"""Exceptions raised by the Orquesta engine."""


class WorkflowSpecError(Exception):
    """The workflow definition is invalid; `errors` holds every problem found (as dicts)."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.errors = errors or []


class ExpressionError(Exception):
    """An expression could not be evaluated against the workflow context."""


class VariableUndefinedError(ExpressionError):
    def __init__(self, name):
        super().__init__('The variable "%s" is referenced before assigned.' % name)


class ActionRequestError(Exception):
    """A task's action cannot be requested (it is not registered, or its input is refused).
    `kind` names the exception StackStorm raises for it, which prefixes the workflow's error."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def action_not_found(ref):
    """StackStorm's error for an action reference that names no registered action (None, an
    empty or malformed reference included)."""
    return ActionRequestError(
        "InvalidActionReferencedException", 'Unable to find action "%s".' % (ref,)
    )
