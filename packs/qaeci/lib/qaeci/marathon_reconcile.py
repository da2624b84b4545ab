"""Reconciling after a (re)connect: what changed in a cluster while its event stream was down,
from Marathon's own state (GET /v2/apps?embed=apps.tasks&embed=apps.lastTaskFailure and
GET /v2/deployments), dispatched with `reconciled: true`.

It runs in two halves around the events that arrived while the snapshot was being read (the
stream is opened first, so nothing falls between the snapshot and the stream):

1. news(): tasks, health and deployments the snapshot shows and the view does not know yet;
2. (the caller processes the events queued meanwhile: a task that ended then has its precise
   state from its own event, not a guess);
3. endings(): tasks and deployments the view still holds but the snapshot no longer lists.

A task gone from Marathon ended while nobody listened: with its app's lastTaskFailure when that
names it (TASK_FAILED and the message), TASK_KILLED when the whole app was removed (Marathon
kills an app's tasks before removing it), otherwise TASK_UNKNOWN (the state Mesos reconciliation
gives a task its master no longer knows). A deployment gone from /v2/deployments ended: success
when its app stopped as planned, or runs all its instances of its configuration; failed when
the app is short of instances and its last task failure ran the deployment's version. Marathon
keeps no history of deployments, so otherwise (short of instances for no known reason, a newer
version of the app since, another deployment holding it) the outcome cannot be told and nothing
is dispatched for that app: a guess would post false alarms.

On a first start (no saved view) the snapshot is only recorded: nothing was missed yet.
"""

from qaeci import triggers
from qaeci.marathon_events import identity_labels, plan_actions
from qaeci.marathon_view import LIVE_STATES

RUNNING = "TASK_RUNNING"
GONE_UNKNOWN = "no longer known to Marathon: it ended while the event stream was down"
GONE_WITH_APP = "its app was removed while the event stream was down"
APPS_QUERY = {"embed": ["apps.tasks", "apps.lastTaskFailure"]}


def read_snapshot(client):
    """(apps, deployments) as the leading Marathon lists them now."""
    apps = client.request("GET", "/v2/apps", query=APPS_QUERY)[1]["apps"]
    deployments = client.request("GET", "/v2/deployments")[1]
    return apps, deployments


class Reconciliation(object):
    def __init__(self, cluster, view, apps, deployments, emit=True):
        self.cluster = cluster
        self.view = view
        self.emit = emit
        self.apps = {app["id"]: app for app in apps}
        self.deployments = {deployment["id"]: deployment for deployment in deployments}
        listed = {task["id"] for app in apps for task in app.get("tasks") or ()}
        self._missing_tasks = [task_id for task_id in view.tasks if task_id not in listed]
        self._vanished = [
            deployment_id
            for deployment_id in view.deployments
            if deployment_id not in self.deployments
        ]

    # -- 1: what the snapshot shows ----------------------------------------------------------

    def news(self):
        found = []
        for app_id, app in sorted(self.apps.items()):
            for task in app.get("tasks") or ():
                found += self._task_news(app_id, task)
        for deployment_id, deployment in sorted(self.deployments.items()):
            found += self._deployment_news(deployment_id, deployment)
        return found if self.emit else []

    def _task_news(self, app_id, task):
        state = task.get("state")
        if state not in LIVE_STATES:
            return []  # Marathon lists live tasks; anything else will come as an event
        found = []
        if self.view.task_update(task["id"], app_id, state, task.get("host"), task.get("ports")):
            found.append(
                (
                    "task_status",
                    triggers.task_status(
                        self.cluster,
                        app_id,
                        task["id"],
                        state,
                        host=task.get("host"),
                        ports=task.get("ports") or (),
                        reconciled=True,
                        timestamp=task.get("startedAt") or task.get("stagedAt"),
                        labels=identity_labels(app_id),
                    ),
                )
            )
        results = task.get("healthCheckResults") or []
        if results:
            status = "healthy" if all(result.get("alive") for result in results) else "unhealthy"
            if self.view.health_update(task["id"], status):
                found.append(
                    (
                        "app_health",
                        triggers.app_health(
                            self.cluster,
                            app_id,
                            task["id"],
                            status,
                            "marathon",
                            message="found by reconciling",
                            labels=identity_labels(app_id),
                        ),
                    )
                )
        return found

    def _deployment_news(self, deployment_id, deployment):
        actions = plan_actions(deployment.get("steps") or [], "GET /v2/deployments")
        if not self.view.deployment_seen(deployment_id, deployment.get("version"), actions):
            return []
        return [
            (
                "deployment",
                triggers.deployment(
                    self.cluster,
                    app_id,
                    deployment_id,
                    "started",
                    reconciled=True,
                    labels=identity_labels(app_id),
                ),
            )
            for app_id in sorted(actions)
        ]

    # -- 3: what ended while away ------------------------------------------------------------

    def endings(self):
        found = []
        for task_id in self._missing_tasks:
            task = self.view.tasks.get(task_id)
            if task is not None:  # its own event may have told its end meanwhile
                found += self._task_ending(task_id, task)
        for deployment_id in self._vanished:
            deployment = self.view.deployments.get(deployment_id)
            if deployment is not None and self.view.deployment_ended(deployment_id):
                found += self._deployment_ending(deployment_id, deployment)
        return found if self.emit else []

    def _task_ending(self, task_id, task):
        app = self.apps.get(task.app_id)
        failure = (app or {}).get("lastTaskFailure") or {}
        if failure.get("taskId") == task_id and failure.get("state"):
            state, message, when = (
                failure["state"],
                failure.get("message"),
                failure.get("timestamp"),
            )
        elif app is None:
            state, message, when = "TASK_KILLED", GONE_WITH_APP, None
        else:
            state, message, when = "TASK_UNKNOWN", GONE_UNKNOWN, None
        if not self.view.task_update(task_id, task.app_id, state, task.host, task.ports):
            return []
        return [
            (
                "task_status",
                triggers.task_status(
                    self.cluster,
                    task.app_id,
                    task_id,
                    state,
                    host=task.host,
                    ports=task.ports,
                    message=message,
                    reconciled=True,
                    timestamp=when,
                    labels=identity_labels(task.app_id),
                ),
            )
        ]

    def _deployment_ending(self, deployment_id, deployment):
        found = []
        for app_id in deployment.apps:
            outcome = self._outcome(app_id, deployment_id, deployment)
            if outcome is not None:
                status, reason = outcome
                found.append(
                    (
                        "deployment",
                        triggers.deployment(
                            self.cluster,
                            app_id,
                            deployment_id,
                            status,
                            reason=reason,
                            reconciled=True,
                            labels=identity_labels(app_id),
                        ),
                    )
                )
        return found

    def _outcome(self, app_id, deployment_id, deployment):
        """(status, reason) of a deployment that ended unseen, for one app; None if unknown."""
        if any(
            app_id in plan_actions(other.get("steps") or [], "GET /v2/deployments")
            for other_id, other in self.deployments.items()
            if other_id != deployment_id
        ):
            return None
        app = self.apps.get(app_id)
        if app is None:
            if "StopApplication" in deployment.actions.get(app_id, ()):
                return "success", None
            return "failed", "the app is gone: removed while the event stream was down"
        if deployment.version and app.get("version", "") > deployment.version:
            return None
        config_version = (app.get("versionInfo") or {}).get("lastConfigChangeAt") or app.get(
            "version", ""
        )
        wanted = app.get("instances", 1)
        running = [
            task
            for task in app.get("tasks") or ()
            if task.get("state") == RUNNING and task.get("version", "") >= config_version
        ]
        if len(running) >= wanted:
            return "success", None
        failure = app.get("lastTaskFailure") or {}
        if not deployment.version or failure.get("version", "") < deployment.version:
            return None  # short of instances, but nothing says this deployment failed
        return "failed", (
            "ended while the event stream was down with %d of %d instances "
            "running; a task of its version failed: %s"
            % (len(running), wanted, failure.get("message") or failure.get("state"))
        )
