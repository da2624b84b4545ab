"""Marathon deployments followed to their end, and the app lock waited out (bounded).

A change to an app starts a deployment (its id comes back with the change). While any deployment
holds an app, Marathon answers changes with 409 and the holders' ids: the change is retried once
they are gone, until `lock_wait` seconds have passed; it is forced (`?force=true`, which cancels
the holders) only when the caller asks.

A deployment has ended when it leaves `GET /v2/deployments`; whether it succeeded is read from the
app then (its current version's tasks run). With no health checks, a task that keeps failing
keeps its deployment running (Marathon relaunches it with a back-off): once the current version
has failed and nothing of it runs, our own deployment is cancelled where it stands
(`DELETE /v2/deployments/{id}?force=true`, no rollback), so the app stays as it failed for people
to inspect and the next change is not locked out by it.
"""

import time

from qaeci.backends.base import BackendError
from qaeci.backends.marathon_client import MarathonError

FIRST_POLL = 0.05
STEADY_POLL = 0.25
MAX_POLL = 1.0
# Of the time waited so far: the end of a wait (an app's start, say) is seen within about a
# tenth of its length; doubling pauses would see it up to as late again.
POLL_FRACTION = 0.1


def paced(deadline, clock=time.monotonic):
    """Yield until DEADLINE, sleeping between rounds: briefly at first, then STEADY_POLL, then
    a tenth of the time waited so far, up to MAX_POLL."""
    started = clock()
    pause = FIRST_POLL
    while True:
        yield
        remaining = deadline - clock()
        if remaining <= 0:
            return
        time.sleep(min(pause, remaining))
        waited = clock() - started
        pause = min(MAX_POLL, max(min(pause * 2, STEADY_POLL), waited * POLL_FRACTION))


class DeploymentFailed(BackendError):
    """The deployment ended (or was cancelled) without the app running."""


class Deployments(object):
    def __init__(self, client, lock_wait=60.0, timeout=600.0):
        self.client = client
        self.lock_wait = lock_wait
        self.timeout = timeout

    def change(self, what, attempt, force=False):
        """Run ATTEMPT (a request starting a deployment; returns its id), waiting out 409s
        while other deployments hold what it changes. WHAT names it in messages."""
        deadline = time.monotonic() + self.lock_wait
        while True:
            try:
                return attempt(force)
            except MarathonError as error:
                holders = _lock_holders(error)
                if holders is None:
                    raise
            if not self._wait_gone(holders, deadline):
                raise BackendError(
                    "%s is locked on %r by deployment %s, still running after %ss; fix: wait for "
                    "it to end (GET %s/v2/deployments) or cancel it there, then run env up again"
                    % (
                        what,
                        self.client,
                        ", ".join(holders),
                        _seconds(self.lock_wait),
                        self.client.url,
                    )
                )

    def _wait_gone(self, deployment_ids, deadline):
        for _ in paced(deadline):
            running = {deployment["id"] for deployment in self.client.deployments()}
            if not running & set(deployment_ids):
                return True
        return False

    def follow_app(self, deployment_id, app_id):
        """Wait for the deployment of APP_ID to end; the app as Marathon then shows it.
        DeploymentFailed when its current version failed or the deployment ended without it
        running; BackendError when it outlasts the timeout."""
        deadline = time.monotonic() + self.timeout
        for _ in paced(deadline):
            # The deployment first, then the app: Marathon removes a deployment only once its
            # tasks run, so an app read after seeing it gone shows them; read before, it may
            # show them still staging although the deployment succeeded meanwhile.
            running = self._still_running(deployment_id)
            app = self.client.app(app_id)
            if app is None:
                raise DeploymentFailed(
                    "app %s vanished from %r while being deployed" % (app_id, self.client)
                )
            # Only this deployment's failures: an unchanged app put again after a failure (its
            # cause fixed elsewhere) keeps its configuration, and the old failure with it.
            failure = current_failure(app, since=app.get("version"))
            if failure and not running_tasks(app):
                if running:
                    self.client.cancel_deployment(deployment_id)
                raise DeploymentFailed(failure)
            if not running:
                if len(running_tasks(app)) >= app.get("instances", 1):
                    return app
                raise DeploymentFailed(
                    "the deployment of %s on %r ended without its tasks "
                    "running (cancelled or failed)" % (app_id, self.client)
                )
        raise BackendError(
            "the deployment %s of %s on %r did not end within %ss; fix: look at "
            "its launch queue (%s/v2/queue) for missing resources"
            % (deployment_id, app_id, self.client, _seconds(self.timeout), self.client.url)
        )

    def follow(self, deployment_id):
        """Wait (bounded) for a deployment with no app to read back (removals) to end."""
        if deployment_id is None:
            return
        if not self._wait_gone([deployment_id], time.monotonic() + self.timeout):
            raise BackendError(
                "the deployment %s on %r did not end within %ss; fix: look at it "
                "in %s/v2/deployments"
                % (deployment_id, self.client, _seconds(self.timeout), self.client.url)
            )

    def _still_running(self, deployment_id):
        return any(deployment["id"] == deployment_id for deployment in self.client.deployments())


def config_version(app):
    """The version of the app's current configuration: a scale-only change gives the app a new
    `version` but keeps `versionInfo.lastConfigChangeAt`, and its tasks keep theirs."""
    return (app.get("versionInfo") or {}).get("lastConfigChangeAt") or app.get("version") or ""


def is_current(app, version):
    """Whether something of VERSION (an ISO timestamp, as Marathon writes them) runs the app's
    current configuration."""
    return (version or "") >= config_version(app)


def running_tasks(app):
    """The app's tasks of its current configuration that run."""
    return [
        task
        for task in app.get("tasks", [])
        if task.get("state") == "TASK_RUNNING" and is_current(app, task.get("version"))
    ]


def current_failure(app, since=None):
    """How the app's current configuration last failed ("TASK_FAILED on HOST: message"), or
    None; with SINCE (an ISO timestamp, as Marathon writes them), only a failure at or after
    it counts."""
    failure = app.get("lastTaskFailure")
    if not failure or not is_current(app, failure.get("version")):
        return None
    if since and (failure.get("timestamp") or "") < since:
        return None
    return "%s on %s: %s" % (
        failure.get("state"),
        failure.get("host"),
        failure.get("message") or "no message",
    )


def _lock_holders(error):
    """The deployment ids of a 409 'app locked' answer, else None (other errors)."""
    if error.status != 409:
        return None
    holders = [
        entry.get("id")
        for entry in error.body.get("deployments", [])
        if isinstance(entry, dict) and entry.get("id")
    ]
    return holders or None


def _seconds(value):
    return "%g" % value
