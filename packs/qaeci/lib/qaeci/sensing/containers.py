"""Which Marathon app and Mesos task a Docker container runs, from its inspect document: Marathon
puts MESOS_TASK_ID in the container's labels and environment, MARATHON_APP_ID and the app's
labels (MARATHON_APP_LABEL_<KEY>, KEY upper-cased with non-alphanumerics as `_`: marathon
EnvironmentHelper.labelsToEnvVars) in its environment, and HOST (the agent) too.

Inspect answers are cached per container id (a container's labels and environment never change);
when a container is already gone, its identity comes from the event's own attributes (Docker
copies container labels, so MESOS_TASK_ID, into each event) and the task id's embedded app id.
"""

import collections
import re
import threading

from qaeci import triggers

Identity = collections.namedtuple("Identity", "app_id task_id labels host name")

# task ids embed the app id with "/" as "_" (Marathon ids never hold "_"): app_id_rules.json
_TASK_ID = re.compile(r"^(?P<app>.+)\.(?:instance-|marathon-)[^.]+")
_LABEL_ENV = {
    "MARATHON_APP_LABEL_QAECI_ENV": triggers.ENV_LABEL,
    "MARATHON_APP_LABEL_QAECI_APP": triggers.APP_LABEL,
}


def app_id_from_task_id(task_id):
    """ "qaeci_env1_web.instance-<uuid>._app.1" -> "/qaeci/env1/web"; None if not a Marathon id."""
    match = _TASK_ID.match(task_id or "")
    return "/" + match.group("app").replace("_", "/") if match else None


def _environment(inspect):
    pairs = (item.partition("=") for item in (inspect.get("Config") or {}).get("Env") or [])
    return {name: value for name, _, value in pairs}


def identity_from_inspect(inspect, attributes=None):
    config = inspect.get("Config") or {}
    env = _environment(inspect)
    container_labels = config.get("Labels") or {}
    task_id = (
        container_labels.get("MESOS_TASK_ID")
        or env.get("MESOS_TASK_ID")
        or (attributes or {}).get("MESOS_TASK_ID")
    )
    app_id = env.get("MARATHON_APP_ID") or app_id_from_task_id(task_id)
    labels = {label: env[name] for name, label in _LABEL_ENV.items() if env.get(name)}
    return Identity(
        app_id, task_id, labels, env.get("HOST"), (inspect.get("Name") or "").lstrip("/") or None
    )


def identity_from_attributes(attributes, host=None):
    task_id = attributes.get("MESOS_TASK_ID")
    return Identity(app_id_from_task_id(task_id), task_id, {}, host, attributes.get("name"))


class IdentityCache(object):
    """container id -> Identity, through inspect(container_id) on a miss; bounded (LRU)."""

    def __init__(self, inspect, limit=4096):
        self._inspect = inspect
        self._limit = limit
        self._known = collections.OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, container_id, attributes, fallback_host=None):
        with self._lock:
            known = self._known.get(container_id)
            if known is not None:
                self._known.move_to_end(container_id)
                return known
        document = self._inspect(container_id)  # DockerApiError propagates: caller decides
        if document is None:  # gone already: what the event itself says
            return identity_from_attributes(attributes, fallback_host)
        identity = identity_from_inspect(document, attributes)
        if identity.host is None and fallback_host:
            identity = identity._replace(host=fallback_host)
        with self._lock:
            self._known[container_id] = identity
            while len(self._known) > self._limit:
                self._known.popitem(last=False)
        return identity

    def forget(self, container_id):
        with self._lock:
            self._known.pop(container_id, None)
