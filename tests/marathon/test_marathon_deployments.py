"""Deployments followed to their end: a 409 lock waited out or failing clearly, forced only when
asked; a failing app stays as it failed without locking the next deploy."""

import threading

import pytest
from qaeci.backends.base import BackendError
from qaeci.backends.marathon_deployments import Deployments

from tests.marathon.marathon_helpers import make_backend


def test_a_lock_held_by_another_deployment_is_waited_out(backend, marathon, spec_for):
    backend.deploy(spec_for())
    holder = marathon.hold_app("/qaeci/e1/web")

    def release_after_the_first_conflict():
        marathon.wait_for(lambda: marathon.requests("PUT", 409))
        marathon.release(holder)

    releaser = threading.Thread(target=release_after_the_first_conflict)
    releaser.start()
    state = backend.deploy(spec_for(commit="8a9b0c1"))
    releaser.join()
    assert state.state == "running"
    assert marathon.requests("PUT", 409) and marathon.requests("PUT", 200)
    assert not marathon.events("deployment_failed")  # nothing was forced


def test_a_lock_that_outlasts_the_wait_fails_in_one_line(marathon, store, tmp_path, spec_for):
    backend = make_backend(marathon, store, tmp_path / "work", lock_wait=0.3)
    backend.deploy(spec_for())
    holder = marathon.hold_app("/qaeci/e1/web")
    with pytest.raises(BackendError) as refused:
        backend.deploy(spec_for(commit="8a9b0c1"))
    message = str(refused.value)
    assert "\n" not in message and holder in message and "/qaeci/e1/web" in message
    assert "fix:" in message
    assert marathon.cluster.apps["/qaeci/e1/web"].definition["labels"]["qaeci.commit"] == "7f3c2a1"


def test_force_overrides_the_lock_when_asked(backend, marathon, spec_for):
    backend.deploy(spec_for())
    holder = marathon.hold_app("/qaeci/e1/web")
    state = backend.deploy(spec_for(commit="8a9b0c1", force=True))
    assert state.state == "running"
    assert [event["id"] for event in marathon.events("deployment_failed")] == [holder]


def test_a_failing_app_stays_as_it_failed_and_does_not_lock_the_next_deploy(
    backend, marathon, spec_for
):
    marathon.fail_tasks("/qaeci/e1/web", "Container exited with status 1")
    state = backend.deploy(spec_for())
    assert state.state == "failed"
    assert "TASK_FAILED" in state.detail and "Container exited with status 1" in state.detail
    assert marathon.apps() == ["/qaeci/e1/web"]  # left for people to inspect
    assert not marathon.cluster.deployments  # our deployment was cancelled
    assert backend.app_status("e1", "web").state == "failed"
    assert "Container exited with status 1" in backend.log_tail("e1", "web")
    marathon.cluster.failing_apps.clear()
    assert backend.deploy(spec_for(commit="8a9b0c1")).state == "running"


def test_a_failed_app_put_again_unchanged_comes_up_once_its_cause_is_gone(
    backend, marathon, spec_for
):
    # Same definition: Marathon keeps its configuration version, and its last failure with it;
    # that failure is not the new deployment's.
    marathon.fail_tasks("/qaeci/e1/web", "Container exited with status 1")
    assert backend.deploy(spec_for()).state == "failed"
    marathon.heal_tasks("/qaeci/e1/web")

    state = backend.deploy(spec_for())

    assert state.state == "running", state.detail
    assert backend.app_status("e1", "web").state == "running"


def test_a_deployment_that_fails_is_a_failed_deploy(backend, marathon, spec_for):
    marathon.starve("/qaeci/e1/web")

    def fail_it_once_it_waits_for_offers():
        marathon.wait_for(lambda: marathon.cluster.queue_json()["queue"])
        marathon.fail_deployment(app_id="/qaeci/e1/web", reason="The upgrade has been cancelled")

    failer = threading.Thread(target=fail_it_once_it_waits_for_offers)
    failer.start()
    state = backend.deploy(spec_for())
    failer.join()
    assert state.state == "failed"
    assert "ended without its tasks running" in state.detail


def test_a_deployment_that_never_ends_fails_at_its_timeout(marathon, store, tmp_path, spec_for):
    backend = make_backend(marathon, store, tmp_path / "work", deployment_timeout=0.3)
    marathon.starve("/qaeci/e1/web")
    with pytest.raises(BackendError) as stuck:
        backend.deploy(spec_for())
    assert "did not end within 0.3s" in str(stuck.value) and "/v2/queue" in str(stuck.value)
    assert backend.app_status("e1", "web").state == "starting"


class DeploymentEndingDuringAnAppRead(object):
    """A Marathon client whose deployment succeeds while the follower's first read of the app is
    answered: that reply still shows the task staging, and from then on the deployment is gone
    and the task runs (Marathon removes a deployment only once its tasks run)."""

    url = "http://127.0.0.1:8080"
    version = "2026-12-05T19:00:00.000Z"

    def __init__(self):
        self.ended = False

    def deployments(self):
        return [] if self.ended else [{"id": "d1"}]

    def app(self, app_id):
        state = "TASK_RUNNING" if self.ended else "TASK_STAGING"
        self.ended = True
        return {
            "id": app_id,
            "instances": 1,
            "version": self.version,
            "versionInfo": {"lastConfigChangeAt": self.version},
            "tasks": [{"state": state, "version": self.version}],
        }

    def cancel_deployment(self, deployment_id):
        raise AssertionError("a succeeding deployment was cancelled")


def test_a_deployment_ending_while_the_app_is_read_is_a_success():
    followed = Deployments(DeploymentEndingDuringAnAppRead(), timeout=5.0)
    app = followed.follow_app("d1", "/qaeci/qa1/web")
    assert [task["state"] for task in app["tasks"]] == ["TASK_RUNNING"]
