"""Reconciling from Marathon's lists (the recorded /v2/apps and /v2/deployments shapes): what the
snapshot adds, what ended while the stream was down, and what cannot be told."""

import copy

import pytest
from qaeci.marathon_reconcile import GONE_UNKNOWN, GONE_WITH_APP, Reconciliation
from qaeci.marathon_view import ClusterView

from tests.doubles.payloads import load_json
from tests.marathon_sensor.stream_helpers import check_schema

APP_ID = "/qaeci/env1/web"
OLD_TASK = "qaeci_env1_web.instance-old._app.1"
DEPLOYMENT_ID = "2e4d0b1c-9a3f-4b7e-8c2d-1f0e3a5b6c7d"


def recorded_app(app_id=APP_ID, tasks=(), **fields):
    """An app of the recorded /v2/apps?embed=apps.tasks list, with our id and these tasks."""
    app = copy.deepcopy(load_json("marathon", "rest", "apps_list_embed_tasks.json")["apps"][0])
    app.update(id=app_id, tasks=[], **fields)
    template = load_json("marathon", "rest", "app_get.json")["app"]["tasks"][0]
    for task_id, state, host, port, version in tasks:
        app["tasks"].append(
            dict(
                copy.deepcopy(template),
                id=task_id,
                appId=app_id,
                state=state,
                host=host,
                ports=[port],
                version=version,
                healthCheckResults=[],
            )
        )
    return app


def a_view(*tasks):
    view = ClusterView()
    for task_id, state in tasks:
        view.task_update(task_id, APP_ID, state, "127.0.0.2", [31000])
    return view


def run(view, apps, deployments=()):
    reconciliation = Reconciliation("dev", view, apps, list(deployments))
    found = reconciliation.news() + reconciliation.endings()
    for trigger, payload in found:
        check_schema(trigger, payload)
        assert payload.get("reconciled", True)
    return [(trigger, payload) for trigger, payload in found]


def test_new_and_changed_tasks_are_reported_reconciled_and_ended_ones_explained():
    view = a_view((OLD_TASK, "TASK_RUNNING"), ("starting-task", "TASK_STAGING"))
    version = "2023-09-05T08:12:30.517Z"
    app = recorded_app(
        tasks=[
            ("new-task", "TASK_RUNNING", "127.0.0.3", 31001, version),
            ("starting-task", "TASK_RUNNING", "127.0.0.2", 31000, version),
        ],
        version=version,
        instances=2,
    )
    found = run(view, [app])
    states = {payload["task_id"]: (payload["state"], payload["message"]) for _, payload in found}
    assert states == {
        "new-task": ("TASK_RUNNING", None),
        "starting-task": ("TASK_RUNNING", None),
        OLD_TASK: ("TASK_UNKNOWN", GONE_UNKNOWN),
    }
    assert run(view, [app]) == []  # nothing changed since


def test_a_task_that_failed_while_away_ends_with_its_failure():
    view = a_view((OLD_TASK, "TASK_RUNNING"))
    failure = {
        "appId": APP_ID,
        "host": "127.0.0.2",
        "message": "Container exited with status 1",
        "state": "TASK_FAILED",
        "taskId": OLD_TASK,
        "timestamp": "2023-09-05T09:00:00.000Z",
        "version": "v",
        "slaveId": "S3",
    }
    [(_, payload)] = run(view, [recorded_app(lastTaskFailure=failure)])
    assert (payload["state"], payload["message"], payload["timestamp"]) == (
        "TASK_FAILED",
        "Container exited with status 1",
        "2023-09-05T09:00:00.000Z",
    )


def test_tasks_of_a_removed_app_were_killed():
    [(_, payload)] = run(a_view((OLD_TASK, "TASK_RUNNING")), [])
    assert (payload["state"], payload["message"]) == ("TASK_KILLED", GONE_WITH_APP)


def test_an_event_queued_meanwhile_tells_the_end_before_a_guess_is_made():
    view = a_view((OLD_TASK, "TASK_RUNNING"))
    reconciliation = Reconciliation("dev", view, [recorded_app()], [])
    assert reconciliation.news() == []
    view.task_update(OLD_TASK, APP_ID, "TASK_KILLED", None, [])  # its own event came
    assert reconciliation.endings() == []


def deployment(
    deployment_id=DEPLOYMENT_ID,
    app_id=APP_ID,
    action="RestartApplication",
    version="2023-09-05T08:12:30.517Z",
):
    listed = copy.deepcopy(load_json("marathon", "rest", "deployments_get.json")[0])
    listed.update(
        id=deployment_id, version=version, steps=[{"actions": [{"action": action, "app": app_id}]}]
    )
    return listed


def test_deployments_found_running_are_reported_started():
    view = ClusterView()
    [(_, payload)] = run(view, [recorded_app()], [deployment()])
    assert (payload["status"], payload["deployment_id"], payload["app"]) == (
        "started",
        DEPLOYMENT_ID,
        "web",
    )
    assert run(view, [recorded_app()], [deployment()]) == []


@pytest.mark.parametrize(
    "running, failed_version, status",
    [
        (2, None, "success"),
        (1, "2023-09-05T08:12:30.517Z", "failed"),  # a task of its version failed
        (1, "2023-09-01T00:00:00.000Z", None),  # an older failure: nothing to tell
        (1, None, None),
    ],
)  # short of a task, no failure known
def test_a_deployment_that_ended_while_away_is_judged_by_the_app(running, failed_version, status):
    version = "2023-09-05T08:12:30.517Z"
    view = ClusterView()
    run(view, [recorded_app()], [deployment(version=version)])
    tasks = [("t%d" % n, "TASK_RUNNING", "127.0.0.2", 31000 + n, version) for n in range(running)]
    failure = (
        {
            "taskId": "t9",
            "state": "TASK_FAILED",
            "version": failed_version,
            "message": "Container exited with status 1",
        }
        if failed_version
        else None
    )
    app = recorded_app(
        tasks=tasks,
        instances=2,
        version=version,
        lastTaskFailure=failure,
        versionInfo={"lastConfigChangeAt": version, "lastScalingAt": version},
    )
    ended = [payload for trigger, payload in run(view, [app]) if trigger == "deployment"]
    assert [(p["status"], p["reconciled"]) for p in ended] == ([(status, True)] if status else [])
    assert view.deployments == {}
    if status == "failed":
        assert ended[0]["reason"] == (
            "ended while the event stream was down with 1 of 2 "
            "instances running; a task of its version failed: "
            "Container exited with status 1"
        )


def test_an_outcome_that_cannot_be_told_is_not_guessed():
    view = ClusterView()
    run(view, [recorded_app()], [deployment()])
    newer = recorded_app(version="2023-09-05T09:00:00.000Z")
    assert [t for t, _ in run(view, [newer])] == []  # changed again since
    view = ClusterView()
    run(view, [recorded_app()], [deployment()])
    other = deployment(deployment_id="another")
    assert [p["status"] for _, p in run(view, [recorded_app()], [other])] == ["started"]


def test_a_removal_that_ended_while_away_succeeded():
    view = ClusterView()
    run(view, [recorded_app()], [deployment(action="StopApplication")])
    [(_, payload)] = run(view, [])
    assert (payload["status"], payload["reason"]) == ("success", None)


def test_the_first_reconcile_only_records():
    view = ClusterView()
    app = recorded_app(tasks=[("t1", "TASK_RUNNING", "127.0.0.2", 31000, "v")])
    reconciliation = Reconciliation("dev", view, [app], [deployment()], emit=False)
    assert reconciliation.news() == [] and reconciliation.endings() == []
    assert sorted(view.tasks) == ["t1"] and sorted(view.deployments) == [DEPLOYMENT_ID]


def test_the_view_survives_saving():
    view = a_view((OLD_TASK, "TASK_RUNNING"))
    view.task_update("gone", APP_ID, "TASK_RUNNING", None, [])
    view.task_update("gone", APP_ID, "TASK_FINISHED", None, [])
    run(
        view,
        [recorded_app(tasks=[(OLD_TASK, "TASK_RUNNING", "127.0.0.2", 31000, "v")])],
        [deployment()],
    )
    restored = ClusterView.from_json(view.to_json())
    assert restored.tasks == view.tasks and restored.deployments == view.deployments
    assert "gone" in restored.ended_tasks
    assert not restored.task_update("gone", APP_ID, "TASK_RUNNING", None, [])
    with pytest.raises(ValueError):
        ClusterView.from_json('{"format": 0}')
