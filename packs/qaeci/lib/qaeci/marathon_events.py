"""Marathon events (as `/v2/events` sends them) made into the pack's triggers.

    status_update_event                         -> qaeci.task_status
    deployment_info (first sighting)            -> qaeci.deployment started, per app of the plan
    deployment_step_success / _step_failure     -> step_success / step_failure, per app of the step
    deployment_success / deployment_failed      -> success / failed (with the reason), per app
    health_status_changed_event,
    instance_health_changed_event               -> qaeci.app_health (source marathon)
    app_terminated_event                        -> qaeci.task_status TASK_KILLED for any task of
                                                   the app still known live

Field names follow mesosphere/marathon's `core/event/Events.scala` (see the recorded payloads in
../shared/payloads/marathon/events/). `env` and `app` come from the app id `/qaeci/ENV/APP`
(marathon_ids reverses the `_` to `-` mapping of app codes); other apps get null.

An event that does not have the shape Marathon gives it raises Malformed(kind, detail): the
caller skips it and counts it by kind.
"""

import json

from qaeci import triggers
from qaeci.backends import marathon_ids

SUBSCRIBED = (
    "status_update_event",
    "deployment_info",
    "deployment_step_success",
    "deployment_step_failure",
    "deployment_success",
    "deployment_failed",
    "health_status_changed_event",
    "instance_health_changed_event",
    "app_terminated_event",
    "event_stream_attached",
)
DEPLOYMENT_STATUS = {
    "deployment_step_success": "step_success",
    "deployment_step_failure": "step_failure",
    "deployment_success": "success",
    "deployment_failed": "failed",
}
TASK_STATES = frozenset(triggers.TASK_STATES)
TERMINATED_MESSAGE = (
    "the app was removed (app_terminated_event) before Marathon reported this task's end"
)


class Malformed(Exception):
    """An event skipped: `kind` names what was wrong (counted), the message details it."""

    def __init__(self, kind, detail):
        Exception.__init__(self, detail)
        self.kind = kind


_IDENTITIES = {}  # app id -> labels: parsed once per app, not once per event


def identity_labels(app_id):
    """{qaeci.env, qaeci.app} of one of our app ids (None otherwise), for the trigger builders:
    triggers.identify() reads a Marathon id's last segment as it is, but app codes' `_` are
    `-` in Marathon ids (marathon_ids), so the code is recovered here."""
    labels = _IDENTITIES.get(app_id, False)
    if labels is False:
        parsed = marathon_ids.parse_app_id(app_id) if isinstance(app_id, str) else None
        labels = {triggers.ENV_LABEL: parsed[0], triggers.APP_LABEL: parsed[1]} if parsed else None
        if len(_IDENTITIES) > 10000:
            _IDENTITIES.clear()
        _IDENTITIES[app_id] = labels
    return labels


def _field(event, name, kind, types=str):
    value = event.get(name)
    if not isinstance(value, types):
        raise Malformed(
            "%s without %s" % (kind, name),
            "%s has no valid %s: %.200s" % (kind, name, json.dumps(event)),
        )
    return value


def plan_actions(steps, kind):
    """{app id: [actions]} of a plan's (or a step's) `steps` / `actions` lists."""
    actions = {}
    try:
        for step in steps:
            for action in step["actions"]:
                actions.setdefault(action["app"], []).append(action["action"])
    except (TypeError, KeyError) as error:
        raise Malformed(
            "%s with a malformed plan" % kind,
            "%s: steps are not [{actions: [{action, app}]}]: %.200s" % (kind, json.dumps(steps)),
        ) from error
    return actions


class EventTranslator(object):
    """translate(event type, data) -> [(trigger name, payload)], keeping `view` up to date."""

    def __init__(self, cluster, view):
        self.cluster = cluster
        self.view = view
        self._handlers = {
            b"status_update_event": self._status_update,
            b"deployment_info": self._deployment_info,
            b"deployment_step_success": self._deployment_step,
            b"deployment_step_failure": self._deployment_step,
            b"deployment_success": self._deployment_end,
            b"deployment_failed": self._deployment_end,
            b"health_status_changed_event": self._health_status_changed,
            b"instance_health_changed_event": self._instance_health_changed,
            b"app_terminated_event": self._app_terminated,
        }

    def translate(self, event_type, data):
        handler = self._handlers.get(event_type)
        if handler is None:
            return []  # event_stream_attached, or a type an old Marathon sent unfiltered
        try:
            event = json.loads(data)
        except ValueError as error:
            raise Malformed(
                "not JSON",
                "%s data is not JSON (%s): %.120r"
                % (event_type.decode("ascii", "replace"), error, data),
            ) from error
        if not isinstance(event, dict):
            raise Malformed(
                "not a JSON object",
                "%s data is not a JSON object: %.120r"
                % (event_type.decode("ascii", "replace"), data),
            )
        return handler(event_type.decode("ascii"), event)

    # -- tasks --------------------------------------------------------------------------------

    def _status_update(self, kind, event):
        task_id = _field(event, "taskId", kind)
        app_id = _field(event, "appId", kind)
        state = _field(event, "taskStatus", kind)
        if state not in TASK_STATES:
            raise Malformed(
                "%s with an unknown taskStatus" % kind,
                "%s: %r is not a Mesos task state (task %s)" % (kind, state, task_id),
            )
        host, ports = event.get("host"), event.get("ports")
        ports = ports if isinstance(ports, list) else ()
        if not self.view.task_update(task_id, app_id, state, host, ports):
            return []
        return [
            (
                "task_status",
                triggers.task_status(
                    self.cluster,
                    app_id,
                    task_id,
                    state,
                    host=host if isinstance(host, str) else None,
                    ports=[port for port in ports if isinstance(port, int)],
                    message=event.get("message") or None,
                    timestamp=event.get("timestamp"),
                    labels=identity_labels(app_id),
                ),
            )
        ]

    def _app_terminated(self, kind, event):
        app_id = _field(event, "appId", kind)
        found = []
        for task_id in self.view.tasks_of(app_id):
            task = self.view.tasks[task_id]
            self.view.task_update(task_id, app_id, "TASK_KILLED", task.host, task.ports)
            found.append(
                (
                    "task_status",
                    triggers.task_status(
                        self.cluster,
                        app_id,
                        task_id,
                        "TASK_KILLED",
                        host=task.host,
                        ports=task.ports,
                        message=TERMINATED_MESSAGE,
                        timestamp=event.get("timestamp"),
                        labels=identity_labels(app_id),
                    ),
                )
            )
        return found

    # -- deployments --------------------------------------------------------------------------

    def _plan(self, kind, event):
        plan = _field(event, "plan", kind, dict)
        deployment_id = event.get("id") or plan.get("id")
        if not isinstance(deployment_id, str):
            raise Malformed(
                "%s without plan.id" % kind,
                "%s has no deployment id: %.200s" % (kind, json.dumps(event)),
            )
        return deployment_id, plan.get("version"), plan_actions(plan.get("steps"), kind)

    def _deployment_payloads(self, deployment_id, app_ids, status, event, reason=None):
        return [
            (
                "deployment",
                triggers.deployment(
                    self.cluster,
                    app_id,
                    deployment_id,
                    status,
                    reason=reason,
                    timestamp=event.get("timestamp"),
                    labels=identity_labels(app_id),
                ),
            )
            for app_id in sorted(app_ids)
        ]

    def _deployment_info(self, kind, event):
        deployment_id, version, actions = self._plan(kind, event)
        if not self.view.deployment_seen(deployment_id, version, actions):
            return []
        return self._deployment_payloads(deployment_id, actions, "started", event)

    def _deployment_step(self, kind, event):
        deployment_id, version, actions = self._plan(kind, event)
        self.view.deployment_seen(deployment_id, version, actions)
        step = plan_actions([_field(event, "currentStep", kind, dict)], kind)
        return self._deployment_payloads(deployment_id, step, DEPLOYMENT_STATUS[kind], event)

    def _deployment_end(self, kind, event):
        deployment_id, _, actions = self._plan(kind, event)
        if not self.view.deployment_ended(deployment_id):
            return []
        reason = event.get("reason") if isinstance(event.get("reason"), str) else None
        return self._deployment_payloads(
            deployment_id, actions, DEPLOYMENT_STATUS[kind], event, reason
        )

    # -- health -------------------------------------------------------------------------------

    def _health(self, app_id, instance_id, status, event):
        task_id = self.view.task_of_instance(instance_id)
        if not self.view.health_update(task_id, status):
            return []
        return [
            (
                "app_health",
                triggers.app_health(
                    self.cluster,
                    app_id,
                    task_id,
                    status,
                    "marathon",
                    timestamp=event.get("timestamp"),
                    labels=identity_labels(app_id),
                ),
            )
        ]

    def _health_status_changed(self, kind, event):
        alive = _field(event, "alive", kind, bool)
        return self._health(
            _field(event, "appId", kind),
            _field(event, "instanceId", kind),
            "healthy" if alive else "unhealthy",
            event,
        )

    def _instance_health_changed(self, kind, event):
        healthy = event.get("healthy")
        if healthy is not None and not isinstance(healthy, bool):
            raise Malformed(
                "%s without healthy" % kind,
                "%s: healthy is %r, not true, false or null" % (kind, healthy),
            )
        status = "starting" if healthy is None else ("healthy" if healthy else "unhealthy")
        return self._health(
            _field(event, "runSpecId", kind), _field(event, "instanceId", kind), status, event
        )
