"""What every pack action shares: build a Lifecycle from the action, turn errors into a failed
execution whose result carries the one-line message, parse chat-friendly parameters."""
import re

from qaeci.backends.base import BackendError
from qaeci.errors import PlanError, QaeciError
from qaeci.lifecycle import Lifecycle

_BRANCH_OVERRIDE = re.compile(r"^\s*([a-z][a-z0-9_]{1,39})\s*[=:]\s*(\S+)\s*$")


def lifecycle_for(action):
    """A Lifecycle over the action's pack config and its datastore (action_service)."""
    return Lifecycle(action.config or {}, action.action_service)


def run_step(action, step, failure_extra=None):
    """(True, step(lifecycle)) or (False, {"error": one line, **failure_extra})."""
    try:
        return True, step(lifecycle_for(action))
    except (QaeciError, BackendError) as error:
        return False, dict(failure_extra or {}, error=str(error))
    except Exception as error:  # unexpected: still one line, with the type for the bug report
        return False, dict(failure_extra or {}, error="internal error (%s): %s" % (
            type(error).__name__, str(error).strip().splitlines()[0] if str(error).strip() else ""))


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
            raise PlanError("branch override %r is not APP=BRANCH; fix: write e.g. "
                            "branches=web=feature-x,api=fix-1" % (value,))
        branches[match.group(1)] = match.group(2)
    return branches


def failure_report(env, template):
    """The env_up output shape when nothing could be planned."""
    return {"env": env, "template": template, "deploy_type": None, "creator": None, "apps": {},
            "services": {}}
