"""`remediation history [APP]` (action remediation_history): the decision log of automatic
actions (qaeci.automation), newest first, as people read it."""

from qaeci import automation
from qaeci.errors import QaeciError

DEFAULT_LIMIT = 10
MAX_LIMIT = 200
SHOWN = (
    "time",
    "key",
    "env",
    "app",
    "kind",
    "decision",
    "dry_run",
    "reason",
    "result",
    "detail",
    "announcement",
)


def history(context, app="", env="", limit=DEFAULT_LIMIT):
    """{"app", "env", "decisions": [{time, key, env, app, kind, decision, dry_run, reason,
    result, detail, announcement, trigger_ref}]}."""
    limit = _bounded(limit)
    app, env = (app or "").strip(), (env or "").strip()
    if "/" in app:  # ENV/APP names one app of one environment: its key
        records = automation.history(context.datastore, key=app, limit=limit)
    else:
        records = automation.history(
            context.datastore, app=app or None, env=env or None, limit=limit
        )
    return {
        "app": app or None,
        "env": env or None,
        "decisions": [_shown(record) for record in records],
    }


def _shown(record):
    shown = {key: record.get(key) for key in SHOWN}
    trigger = record.get("trigger") or {}
    shown["trigger"] = {
        key: trigger.get(key)
        for key in ("cluster", "timestamp", "task_id", "state", "status", "change", "exit_code")
        if key in trigger
    }
    return shown


def _bounded(limit):
    try:
        number = int(limit)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= MAX_LIMIT:
        raise QaeciError(
            "limit %r is not a number from 1 to %d; fix: e.g. limit=20" % (limit, MAX_LIMIT)
        )
    return number
