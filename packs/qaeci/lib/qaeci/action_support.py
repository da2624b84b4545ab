"""What every pack action shares: a StepContext over the action's config and datastore, one
failure shape for every step, and chat-friendly parameter parsing."""

import re
import sys
import traceback

from qaeci.backends.base import BackendError
from qaeci.errors import PlanError, QaeciError
from qaeci.step_context import StepContext, one_line

_BRANCH_OVERRIDE = re.compile(r"^\s*([a-z][a-z0-9_]{1,39})\s*[=:]\s*(\S+)\s*$")


def context_for(action):
    """A StepContext over the action's pack config and its datastore (action_service)."""
    return StepContext(action.config or {}, action.action_service)


def run_step(action, step):
    """(True, step(context)), or (False, {"error": one line}) whatever went wrong: every step
    of the pack fails with that one shape, which its workflow reads as result().result.error.

    A refusal (QaeciError, BackendError) is the user's one line. Anything else is a bug: its
    line names the exception's type, and its traceback goes to the action's stderr, where
    StackStorm shows it in the execution."""
    try:
        return True, step(context_for(action))
    except (QaeciError, BackendError) as error:
        return False, {"error": str(error)}
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        message = str(error).strip()
        return False, {
            "error": "internal error (%s): %s"
            % (type(error).__name__, one_line(error) if message else "")
        }


def parse_branches(values):
    """["web=feature-x", "api:fix-1"] (or one comma-separated string) -> {"web": "feature-x", ...}.

    Git refuses ':' in branch names, and app codes hold neither ':' nor '=', so both separators
    are unambiguous."""
    if not values:
        return {}
    if isinstance(values, dict):
        return dict(values)
    if isinstance(values, str):
        values = [part for part in values.split(",") if part.strip()]
    branches = {}
    for value in values:
        match = _BRANCH_OVERRIDE.match(value)
        if not match:
            raise PlanError(
                "branch override %r is not APP=BRANCH; fix: write e.g. "
                "branches=web=feature-x,api=fix-1" % (value,)
            )
        branches[match.group(1)] = match.group(2)
    return branches
