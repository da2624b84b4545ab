"""What remediation remembers between events, in the datastore (global scope):

    qaeci.env.<env>.resources.<app>         the app's memory as remediation raised it: env up
                                            deploys it with that memory too; env down forgets it
    qaeci.remediation.failures.<key>        recent failure times of an app (flapping), and when
                                            its flapping was reported
    qaeci.remediation.handled.<key>         the last tasks whose OOM kill was handled (Docker and
                                            Mesos both report one kill)
    qaeci.remediation.failed.<key>          the last tasks whose failure was counted
    qaeci.remediation.reported.<key>.<what> when WHAT (say "ceiling") was last reported

Remediation decisions are serialised (qaeci.remediate_decide runs one at a time), so a record's
read-modify-write never interleaves with another's.
"""

from urllib.parse import quote

from qaeci.state import read_record, write_record

PREFIX = "qaeci.remediation."
HANDLED_KEPT = 50


def _encoded(key):
    return quote(key, safe="")


# -- memory an app runs with in its environment ------------------------------------------------


def _resources_key(env, app):
    return "qaeci.env.%s.resources.%s" % (env, app)


def raised_memory(datastore, env, app):
    """The memory (MB) remediation gave the app in ENV, or None."""
    record = read_record(datastore, _resources_key(env, app)) or {}
    return record.get("mem")


def save_memory(datastore, env, app, mem, previous, reason, at):
    write_record(
        datastore,
        _resources_key(env, app),
        {"mem": mem, "previous": previous, "reason": reason, "at": at},
    )


def apply_raised_memory(datastore, spec):
    """Give an AppSpec the memory remediation raised its app to (env up's deploys call this, so
    a redeploy never undoes the raise)."""
    mem = raised_memory(datastore, spec.env, spec.app)
    if mem and mem > (spec.mem or 0):
        spec.mem = mem
    return spec


# -- failures of an app (flapping) ------------------------------------------------------------


class Flapping(object):
    """(count of failures in the window, whether this failure starts a flapping episode that
    should be reported, when the episode was reported)."""

    def __init__(self, count, flapping, report, reported_at):
        self.count = count
        self.flapping = flapping
        self.report = report
        self.reported_at = reported_at


def note_failure(datastore, key, now, threshold, window):
    """Count one failure of KEY at NOW; an app with THRESHOLD failures within WINDOW seconds is
    flapping, reported once per episode (an episode ends when the window holds fewer)."""
    name = PREFIX + "failures." + _encoded(key)
    record = read_record(datastore, name) or {}
    times = [moment for moment in record.get("times") or [] if now - moment < window]
    times.append(now)
    flapping = len(times) >= threshold
    reported_at = record.get("reported") if flapping else None
    report = flapping and reported_at is None
    if report:
        reported_at = now
    write_record(datastore, name, {"times": times[-threshold:], "reported": reported_at})
    return Flapping(len(times), flapping, report, reported_at)


def is_flapping(datastore, key, now, threshold, window):
    """Whether KEY is flapping now, without counting a failure."""
    record = read_record(datastore, PREFIX + "failures." + _encoded(key)) or {}
    times = [moment for moment in record.get("times") or [] if now - moment < window]
    return len(times) >= threshold


# -- tasks already handled --------------------------------------------------------------------


def first_report_of(datastore, key, task_id, what="handled"):
    """True the first time TASK_ID of KEY is seen for WHAT (and remembers it), False after."""
    if not task_id:
        return True
    name = "%s%s.%s" % (PREFIX, what, _encoded(key))
    tasks = (read_record(datastore, name) or {}).get("tasks") or []
    if task_id in tasks:
        return False
    write_record(datastore, name, {"tasks": (tasks + [task_id])[-HANDLED_KEPT:]})
    return True


# -- reports not to repeat --------------------------------------------------------------------


def due_report(datastore, key, what, now, every):
    """True (and remembered) when WHAT about KEY was not reported in the last EVERY seconds."""
    name = "%sreported.%s.%s" % (PREFIX, _encoded(key), what)
    last = read_record(datastore, name)
    if isinstance(last, (int, float)) and now - last < every:
        return False
    write_record(datastore, name, now)
    return True
