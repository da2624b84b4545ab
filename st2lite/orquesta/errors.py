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
