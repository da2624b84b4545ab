"""Which trigger (type and parameters) the current thread is dispatching.

A timer's firing must set off only the rules of that timer, but the runtime's dispatch callable
takes just (trigger_ref, payload). The timer therefore dispatches inside
`trigger_parameters_scope(ref, parameters)`, and evaluate_rules, called synchronously from that
dispatch on the same thread, reads them back with `current_trigger_parameters(ref)`."""

import threading
from contextlib import contextmanager

__all__ = ["trigger_parameters_scope", "current_trigger_parameters"]

_LOCAL = threading.local()


@contextmanager
def trigger_parameters_scope(trigger_ref, parameters):
    previous = getattr(_LOCAL, "scope", None)
    _LOCAL.scope = (trigger_ref, dict(parameters))
    try:
        yield
    finally:
        _LOCAL.scope = previous


def current_trigger_parameters(trigger_ref):
    """The parameters of the trigger this thread dispatches, if it is of type trigger_ref."""
    scope = getattr(_LOCAL, "scope", None)
    if scope is None or scope[0] != trigger_ref:
        return None
    return dict(scope[1])
