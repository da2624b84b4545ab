"""Docker container events -> qaeci triggers.

- `oom` marks the container: the kernel killed a process in it for memory.
- `die` with exitCode 137 after an `oom` (or with State.OOMKilled in inspect, when the `oom`
  event was missed) is qaeci.container_oom; any other `die` is qaeci.container_exit. A Docker
  OOM never reaches Mesos as REASON_CONTAINER_LIMITATION_MEMORY: Marathon sees TASK_FAILED
  "Container exited with status 137", so this is the only place the OOM is visible.
- `health_status: healthy|unhealthy|starting` (the Action carries the status after a colon) is
  qaeci.app_health with source docker.
Other actions are ignored; events that are not well-formed are handed back as Malformed(kind).
"""

import collections

from qaeci import triggers

SUBSCRIBED = {"type": ["container"], "event": ["oom", "die", "health_status"]}
OOM_EXIT_CODE = 137
_OOM_MEMORY = 1024  # containers remembered as OOM-killed until their die arrives

Translation = collections.namedtuple("Translation", "trigger payload")


class Malformed(Exception):
    """kind: a short, stable name for the problem (counted per kind); str: the detail."""

    def __init__(self, kind, detail):
        Exception.__init__(self, detail)
        self.kind = kind


def event_fields(event):
    """(action, container_id, attributes, time_nano) of a container event; Malformed if not."""
    if not isinstance(event, dict):
        raise Malformed("not an object", "a %s instead of a JSON object" % type(event).__name__)
    actor = event.get("Actor")
    if not isinstance(actor, dict) or not isinstance(actor.get("ID"), str) or not actor["ID"]:
        raise Malformed("no Actor.ID", "event without Actor.ID: %.120s" % (event,))
    action = event.get("Action")
    if not isinstance(action, str) or not action:
        raise Malformed("no Action", "event without Action for %s" % actor["ID"][:12])
    attributes = actor.get("Attributes") or {}
    if not isinstance(attributes, dict):
        raise Malformed("bad Attributes", "Actor.Attributes is not an object")
    time_nano = event.get("timeNano")
    if not isinstance(time_nano, int):
        seconds = event.get("time")
        if not isinstance(seconds, (int, float)):
            raise Malformed("no time", "event without time/timeNano for %s" % actor["ID"][:12])
        time_nano = int(seconds * 1000000000)
    return action, actor["ID"], attributes, time_nano


class DockerEventTranslator(object):
    """identify(container_id, attributes) -> containers.Identity;
    oom_killed(container_id) -> bool from a fresh inspect (State.OOMKilled)."""

    def __init__(self, cluster, identify, oom_killed):
        self._cluster = cluster
        self._identify = identify
        self._oom_killed = oom_killed
        self._oom_marks = collections.OrderedDict()

    def translate(self, event):
        """(timeNano, [Translation]) for one decoded event (usually zero or one translation)."""
        action, container_id, attributes, time_nano = event_fields(event)
        if event.get("Type", "container") != "container":
            return time_nano, []
        if action == "oom":
            self._mark_oom(container_id)
            return time_nano, []
        if action == "die":
            return time_nano, [self._die(container_id, attributes, time_nano)]
        if action.startswith("health_status"):
            return time_nano, [self._health(action, container_id, attributes, time_nano)]
        return time_nano, []

    def _mark_oom(self, container_id):
        self._oom_marks[container_id] = True
        while len(self._oom_marks) > _OOM_MEMORY:
            self._oom_marks.popitem(last=False)

    def _die(self, container_id, attributes, time_nano):
        exit_code = _exit_code(attributes, container_id)
        marked = self._oom_marks.pop(container_id, False)
        oom = exit_code == OOM_EXIT_CODE and (marked or self._oom_killed(container_id))
        who = self._identify(container_id, attributes)
        build = triggers.container_oom if oom else triggers.container_exit
        return Translation(
            "container_oom" if oom else "container_exit",
            build(
                self._cluster,
                who.app_id,
                who.task_id,
                who.host,
                container_id,
                who.name,
                exit_code=exit_code,
                timestamp=time_nano / 1e9,
                labels=who.labels,
            ),
        )

    def _health(self, action, container_id, attributes, time_nano):
        status = action.partition(":")[2].strip()
        if status not in triggers.HEALTH_STATUSES:
            raise Malformed("unknown health status", "%r for %s" % (action, container_id[:12]))
        who = self._identify(container_id, attributes)
        return Translation(
            "app_health",
            triggers.app_health(
                self._cluster,
                who.app_id,
                who.task_id,
                status,
                "docker",
                message="container %s" % (who.name or container_id[:12]),
                timestamp=time_nano / 1e9,
                labels=who.labels,
            ),
        )


def _exit_code(attributes, container_id):
    text = attributes.get("exitCode")
    if text is None:
        return None
    try:
        return int(text)
    except (TypeError, ValueError) as error:
        raise Malformed("bad exitCode", "exitCode %r for %s" % (text, container_id[:12])) from error
