"""The pack's trigger types, back-end-neutral so one rule works on the local and Marathon back ends.

Each type has a JSON schema (what a sensor declares in its metadata's `payload_schema`) and a
payload builder. Sensors never build trigger payloads by hand: they call the builders, so every
payload carries every field of its schema, with `env`/`app` filled in when the app is one of ours
(labels `qaeci.env`/`qaeci.app`, or a Marathon id `/qaeci/ENV/APP`) and null otherwise.
"""

import copy
import datetime

from qaeci.backends import marathon_ids

PACK = "qaeci"
ENV_LABEL = "qaeci.env"
APP_LABEL = "qaeci.app"

# Mesos TaskState names (include/mesos/mesos.proto); the local back end maps its states onto these.
TASK_STATES = (
    "TASK_STAGING",
    "TASK_STARTING",
    "TASK_RUNNING",
    "TASK_KILLING",
    "TASK_FINISHED",
    "TASK_FAILED",
    "TASK_KILLED",
    "TASK_ERROR",
    "TASK_LOST",
    "TASK_DROPPED",
    "TASK_UNREACHABLE",
    "TASK_GONE",
    "TASK_GONE_BY_OPERATOR",
    "TASK_UNKNOWN",
)
DEPLOYMENT_STATUSES = ("started", "step_success", "step_failure", "success", "failed")
HEALTH_STATUSES = ("starting", "healthy", "unhealthy")
CAPACITY_LEVELS = ("low", "normal", "high")
CAPACITY_RESOURCES = ("cpus", "mem", "disk")
AGENT_CHANGES = ("joined", "left", "deactivated", "reactivated")


def trigger_ref(name):
    """ "task_status" -> "qaeci.task_status", the ref a sensor dispatches and a rule names."""
    return "%s.%s" % (PACK, name)


# Identity: is this app one of ours?


def identify(app_id=None, labels=None):
    """(env, app) of a qaeci app, from its labels first, else its Marathon id; (None, None) if
    the app is not ours."""
    labels = labels or {}
    if labels.get(ENV_LABEL) and labels.get(APP_LABEL):
        return labels[ENV_LABEL], labels[APP_LABEL]
    parsed = marathon_ids.parse_app_id(app_id) if app_id else None
    return parsed if parsed and all(parsed) else (None, None)


def iso_timestamp(value=None):
    """ISO 8601 UTC with milliseconds ("2023-09-05T08:12:38.904Z"), as Marathon writes them.

    value: None (now), an ISO string (kept as given), or seconds since the epoch."""
    if isinstance(value, str) and value:
        return value
    if value is None:
        moment = datetime.datetime.now(datetime.timezone.utc)
    else:
        moment = datetime.datetime.fromtimestamp(float(value), datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


# Schemas


def _nullable(kind, **extra):
    schema = {"type": [kind, "null"]}
    schema.update(extra)
    return schema


def _string(description, **extra):
    schema = {"type": "string", "description": description}
    schema.update(extra)
    return schema


_CLUSTER = _string("The cluster's deploy type (a key of the pack config's clusters), or local.")
_ENV = _nullable("string", description="The qaeci environment, or null when the app is not ours.")
_APP = _nullable("string", description="The qaeci app code, or null when the app is not ours.")
_APP_ID = _nullable("string", description="The back end's app id (Marathon: /qaeci/ENV/APP).")
_TASK_ID = _nullable("string", description="The Mesos task id (local: the program name).")
_TIMESTAMP = _string("When it happened, ISO 8601 UTC.")
_REASON = _nullable("string", description="Why, in one line, when known.")
_RESOURCES = {
    "type": "object",
    "description": "Resources in Mesos units (cpus, mem MB, disk MB).",
    "properties": {name: {"type": "number"} for name in CAPACITY_RESOURCES},
    "additionalProperties": {"type": "number"},
}


def _object(description, properties):
    return {
        "description": description,
        "payload_schema": {
            "type": "object",
            "properties": properties,
            "required": sorted(properties),
            "additionalProperties": False,
        },
    }


def _app_properties(**more):
    properties = {
        "cluster": _CLUSTER,
        "env": _ENV,
        "app": _APP,
        "app_id": _APP_ID,
        "timestamp": _TIMESTAMP,
    }
    properties.update(more)
    return properties


def _container_properties():
    return _app_properties(
        task_id=_TASK_ID,
        host=_nullable("string", description="The agent the container ran on."),
        container_id=_string("The Docker container id."),
        container_name=_nullable("string", description="The container's name (mesos-<uuid>)."),
        exit_code=_nullable("integer", description="The container's exit code."),
    )


TRIGGER_TYPES = {
    "task_status": _object(
        "A task changed state (Mesos task states on both back ends).",
        _app_properties(
            task_id=_TASK_ID,
            state={"type": "string", "enum": list(TASK_STATES)},
            host=_nullable("string", description="Where the task runs."),
            ports={"type": "array", "items": {"type": "integer"}},
            message=_nullable("string", description="The back end's message."),
            reconciled={
                "type": "boolean",
                "description": "True when found by reconciling after a reconnect.",
            },
        ),
    ),
    "deployment": _object(
        "A deployment of an app started, made a step, succeeded or failed.",
        _app_properties(
            deployment_id=_nullable("string"),
            status={"type": "string", "enum": list(DEPLOYMENT_STATUSES)},
            reason=_REASON,
            reconciled={"type": "boolean"},
        ),
    ),
    "app_health": _object(
        "An app's task (or container) became healthy or unhealthy.",
        _app_properties(
            task_id=_TASK_ID,
            status={"type": "string", "enum": list(HEALTH_STATUSES)},
            healthy=_nullable("boolean", description="null while starting."),
            source=_string("Who judged it: marathon, docker or local."),
            message=_nullable("string"),
        ),
    ),
    "container_oom": _object(
        "A container was killed for running out of memory (exit 137).", _container_properties()
    ),
    "container_exit": _object(
        "A container exited (not from an out-of-memory kill).", _container_properties()
    ),
    "capacity": _object(
        "A resource's allocation level in a cluster changed and held for N polls.",
        {
            "cluster": _CLUSTER,
            "timestamp": _TIMESTAMP,
            "resource": {"type": "string", "enum": list(CAPACITY_RESOURCES)},
            "level": {"type": "string", "enum": list(CAPACITY_LEVELS)},
            "previous_level": _nullable("string", enum=list(CAPACITY_LEVELS) + [None]),
            "ratio": {"type": "number", "description": "used / total, 0..1"},
            "used": {"type": "number"},
            "total": {"type": "number"},
        },
    ),
    "agent_change": _object(
        "A Mesos agent joined, left, was deactivated or reactivated.",
        {
            "cluster": _CLUSTER,
            "timestamp": _TIMESTAMP,
            "agent_id": _string("The Mesos agent id."),
            "hostname": _nullable("string"),
            "change": {"type": "string", "enum": list(AGENT_CHANGES)},
            "active": {"type": "boolean"},
            "resources": _RESOURCES,
        },
    ),
    "launch_stalled": _object(
        "Tasks of an app have waited for offers longer than the threshold.",
        _app_properties(
            waiting={"type": "integer", "description": "Instances waiting."},
            waiting_seconds={"type": "number"},
            since=_nullable("string", description="Queued since (ISO 8601)."),
            reasons={
                "type": "array",
                "items": {"type": "string"},
                "description": "Rejection reasons, most declines first (InsufficientMemory, ...).",
            },
            declined={
                "type": "object",
                "description": "Offers declined per reason.",
                "additionalProperties": {"type": "integer"},
            },
            offers_processed={"type": "integer"},
            offers_unused={"type": "integer"},
        ),
    ),
}


def trigger_type_metadata(name):
    """The trigger_types entry of sensor metadata: {name, description, payload_schema}."""
    entry = TRIGGER_TYPES[name]
    return {
        "name": name,
        "description": entry["description"],
        "payload_schema": copy.deepcopy(entry["payload_schema"]),
    }


# Payload builders


def _app_fields(cluster, app_id, labels, timestamp):
    env, app = identify(app_id, labels)
    return {
        "cluster": cluster,
        "env": env,
        "app": app,
        "app_id": app_id,
        "timestamp": iso_timestamp(timestamp),
    }


def task_status(
    cluster,
    app_id,
    task_id,
    state,
    host=None,
    ports=(),
    message=None,
    reconciled=False,
    timestamp=None,
    labels=None,
):
    payload = _app_fields(cluster, app_id, labels, timestamp)
    payload.update(
        task_id=task_id,
        state=state,
        host=host or None,
        ports=[int(port) for port in ports or ()],
        message=message or None,
        reconciled=bool(reconciled),
    )
    return payload


def deployment(
    cluster,
    app_id,
    deployment_id,
    status,
    reason=None,
    reconciled=False,
    timestamp=None,
    labels=None,
):
    payload = _app_fields(cluster, app_id, labels, timestamp)
    payload.update(
        deployment_id=deployment_id,
        status=status,
        reason=reason or None,
        reconciled=bool(reconciled),
    )
    return payload


def app_health(cluster, app_id, task_id, status, source, message=None, timestamp=None, labels=None):
    """status: starting | healthy | unhealthy."""
    payload = _app_fields(cluster, app_id, labels, timestamp)
    payload.update(
        task_id=task_id,
        status=status,
        source=source,
        message=message or None,
        healthy={"healthy": True, "unhealthy": False}.get(status),
    )
    return payload


def _container(
    cluster, app_id, task_id, host, container_id, container_name, exit_code, timestamp, labels
):
    payload = _app_fields(cluster, app_id, labels, timestamp)
    payload.update(
        task_id=task_id,
        host=host or None,
        container_id=container_id,
        container_name=container_name or None,
        exit_code=None if exit_code is None else int(exit_code),
    )
    return payload


def container_oom(
    cluster,
    app_id,
    task_id,
    host,
    container_id,
    container_name=None,
    exit_code=137,
    timestamp=None,
    labels=None,
):
    return _container(
        cluster, app_id, task_id, host, container_id, container_name, exit_code, timestamp, labels
    )


def container_exit(
    cluster,
    app_id,
    task_id,
    host,
    container_id,
    container_name=None,
    exit_code=None,
    timestamp=None,
    labels=None,
):
    return _container(
        cluster, app_id, task_id, host, container_id, container_name, exit_code, timestamp, labels
    )


def capacity(cluster, resource, level, previous_level, used, total, timestamp=None):
    return {
        "cluster": cluster,
        "resource": resource,
        "level": level,
        "previous_level": previous_level,
        "used": float(used),
        "total": float(total),
        "ratio": float(used) / float(total) if total else 0.0,
        "timestamp": iso_timestamp(timestamp),
    }


def agent_change(cluster, agent_id, hostname, change, active, resources, timestamp=None):
    return {
        "cluster": cluster,
        "agent_id": agent_id,
        "hostname": hostname or None,
        "change": change,
        "active": bool(active),
        "resources": {key: float(value) for key, value in (resources or {}).items()},
        "timestamp": iso_timestamp(timestamp),
    }


def launch_stalled(
    cluster,
    app_id,
    waiting,
    waiting_seconds,
    since,
    declined,
    offers_processed,
    offers_unused,
    timestamp=None,
    labels=None,
):
    """declined: {reason: offers declined for it}; `reasons` lists those with any, most first."""
    payload = _app_fields(cluster, app_id, labels, timestamp)
    declined = {reason: int(count) for reason, count in (declined or {}).items()}
    payload.update(
        waiting=int(waiting),
        waiting_seconds=float(waiting_seconds),
        since=since,
        declined=declined,
        offers_processed=int(offers_processed),
        offers_unused=int(offers_unused),
        reasons=[
            reason
            for reason, count in sorted(declined.items(), key=lambda item: (-item[1], item[0]))
            if count > 0
        ],
    )
    return payload
