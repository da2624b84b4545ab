"""Spool records of the local back end (local_events) -> the pack's back-end-neutral triggers,
so one rule works on the local and the Marathon back ends.

Only programs named ENV.APP (apps) and ENV.svc-NAME (base services, app "svc.NAME") are
tasks; the router and the listener itself give no trigger. A task's id is its program name
(there is one process per program), its host 127.0.0.1 and its port the one recorded for it.

supervisord process state -> Mesos task state (qaeci.task_status `state`):
  STARTING -> TASK_STARTING   spawned, not yet up for startsecs
  RUNNING  -> TASK_RUNNING
  BACKOFF  -> TASK_STAGING    it exited within startsecs and waits to be spawned again (qaeci's
                              programs have startretries=0, so FATAL follows at once)
  STOPPING -> TASK_KILLING    a stop was asked for (env down, a redeploy)
  STOPPED  -> TASK_KILLED
  EXITED   -> TASK_FINISHED when its exit code is one the program expects (exit 0), else
              TASK_FAILED
  FATAL    -> TASK_FAILED     supervisord gave up starting it
  UNKNOWN  -> TASK_UNKNOWN
A process that ended (EXITED, STOPPED, or BACKOFF after it ran) also gives one
qaeci.container_exit with its exit code (128 + N for signal N, as Docker reports it; null when
supervisord's log no longer tells), or qaeci.container_oom instead when the kernel log names it
as killed by the OOM killer. Its container id is "PROGRAM:PID".
"""

from qaeci import triggers
from qaeci.backends.local import APP_NAME, ENV_NAME, HOST

CLUSTER = "local"

TASK_STATES = {
    "PROCESS_STATE_STARTING": "TASK_STARTING",
    "PROCESS_STATE_RUNNING": "TASK_RUNNING",
    "PROCESS_STATE_BACKOFF": "TASK_STAGING",
    "PROCESS_STATE_STOPPING": "TASK_KILLING",
    "PROCESS_STATE_STOPPED": "TASK_KILLED",
    "PROCESS_STATE_FATAL": "TASK_FAILED",
    "PROCESS_STATE_UNKNOWN": "TASK_UNKNOWN",
}
PROCESS_ENDS = ("PROCESS_STATE_EXITED", "PROCESS_STATE_STOPPED", "PROCESS_STATE_BACKOFF")
REQUIRED = ("v", "time", "event", "process")


class MalformedRecord(ValueError):
    """A spool line that is not a record; `kind` names what is wrong, for counting."""

    def __init__(self, kind, detail=""):
        ValueError.__init__(self, "%s%s" % (kind, ": " + detail if detail else ""))
        self.kind = kind


def check_record(record):
    """The record, if it is one this module reads; MalformedRecord otherwise."""
    if not isinstance(record, dict):
        raise MalformedRecord("not a JSON object")
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        raise MalformedRecord("missing fields", ", ".join(missing))
    if record["v"] != 1:
        raise MalformedRecord("unknown record version", repr(record["v"]))
    kinds = {
        "time": (int, float),
        "event": str,
        "process": (str, type(None)),
        "port": (int, type(None)),
        "exit": (dict, type(None)),
    }
    wrong = [
        key
        for key, kind in sorted(kinds.items())
        if not isinstance(record.get(key), kind) or isinstance(record.get(key), bool)
    ]
    if wrong:
        raise MalformedRecord("wrong field types", ", ".join(wrong))
    return record


def program_identity(program):
    """(env, app) of a qaeci program ENV.APP or ENV.svc-NAME; None for any other program. A base
    service is app "svc.NAME", as the Marathon back end names it, so a rule matches on both."""
    env, _, app = (program or "").partition(".")
    if ENV_NAME.match(env) and APP_NAME.match(app):
        return env, ("svc." + app[len("svc-") :] if app.startswith("svc-") else app)
    return None


def task_state(record):
    if record["event"] == "PROCESS_STATE_EXITED":
        return "TASK_FINISHED" if record.get("expected") else "TASK_FAILED"
    return TASK_STATES.get(record["event"])


def triggers_for(record):
    """[(trigger name, payload)] for one spool record, in the order to dispatch them."""
    check_record(record)
    identity = program_identity(record["process"])
    state = task_state(record)
    if identity is None or state is None:
        return []
    labels = {triggers.ENV_LABEL: identity[0], triggers.APP_LABEL: identity[1]}
    name, port, end = record["process"], record.get("port"), record.get("exit") or None
    found = [
        (
            "task_status",
            triggers.task_status(
                CLUSTER,
                name,
                name,
                state,
                host=HOST,
                ports=[port] if port else [],
                message=_message(record, end),
                timestamp=record["time"],
                labels=labels,
            ),
        )
    ]
    if record["event"] in PROCESS_ENDS and (end or record["event"] != "PROCESS_STATE_BACKOFF"):
        pid = (end or {}).get("pid") or record.get("pid")
        builder, kind = (
            (triggers.container_oom, "container_oom")
            if record.get("oom") is True
            else (triggers.container_exit, "container_exit")
        )
        found.append(
            (
                kind,
                builder(
                    CLUSTER,
                    name,
                    name,
                    HOST,
                    "%s:%s" % (name, pid) if pid else name,
                    container_name=name,
                    exit_code=(end or {}).get("code"),
                    timestamp=record["time"],
                    labels=labels,
                ),
            )
        )
    return found


def _message(record, end):
    how = (end or {}).get("description")
    event = record["event"]
    if event == "PROCESS_STATE_RUNNING":
        return "pid %s" % record.get("pid")
    if event == "PROCESS_STATE_BACKOFF":
        return "exited at start: %s" % how if how else "could not be started"
    if event == "PROCESS_STATE_FATAL":
        return "gave up: %s" % ("exited at start: %s" % how if how else "could not be started")
    if event == "PROCESS_STATE_EXITED":
        return "exited: %s" % (how or "exit status unknown")
    if event == "PROCESS_STATE_STOPPED":
        return "stopped: %s" % (how or "exit status unknown")
    if event == "PROCESS_STATE_STARTING" and record.get("tries"):
        return "starting again (try %d)" % (record["tries"] + 1)
    return None
