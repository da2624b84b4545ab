"""Recorded Marathon events made into triggers: which trigger, which payload (valid against the
schema the sensor declares), env/app from the app id, and what is not news."""

import json

import pytest
from qaeci.marathon_events import EventTranslator, Malformed
from qaeci.marathon_view import ClusterView

from tests.marathon_sensor.stream_helpers import TASK_ID, check_schema, event_data, event_payload

DEPLOYMENT_ID = "2e4d0b1c-9a3f-4b7e-8c2d-1f0e3a5b6c7d"
INSTANCE_ID = TASK_ID.rsplit("._app.1", 1)[0]


@pytest.fixture
def translator():
    return EventTranslator("dev", ClusterView())


def translate(translator, name, event_type=None):
    found = translator.translate(
        (event_type or event_payload(name)["eventType"]).encode(), event_data(name)
    )
    for trigger, payload in found:
        check_schema(trigger, payload)
    return found


@pytest.mark.parametrize(
    "state",
    [
        "TASK_STAGING",
        "TASK_STARTING",
        "TASK_RUNNING",
        "TASK_FAILED",
        "TASK_KILLED",
        "TASK_FINISHED",
        "TASK_LOST",
        "TASK_UNREACHABLE",
    ],
)
def test_every_recorded_status_update_is_a_task_status(translator, state):
    recorded = event_payload("status_update_event_" + state)
    [(trigger, payload)] = translate(translator, "status_update_event_" + state)
    assert trigger == "task_status"
    assert payload == {
        "cluster": "dev",
        "env": "env1",
        "app": "web",
        "app_id": "/qaeci/env1/web",
        "task_id": TASK_ID,
        "state": state,
        "host": "10.0.1.23",
        "ports": [31044],
        "message": recorded["message"] or None,
        "reconciled": False,
        "timestamp": recorded["timestamp"],
    }


def test_a_task_moves_forward_only_and_ends_once(translator):
    assert translate(translator, "status_update_event_TASK_RUNNING")
    assert translate(translator, "status_update_event_TASK_RUNNING") == []  # a duplicate
    assert translate(translator, "status_update_event_TASK_STAGING") == []  # older news
    assert translate(translator, "status_update_event_TASK_UNREACHABLE")  # and back
    assert translate(translator, "status_update_event_TASK_RUNNING")
    [(_, ended)] = translate(translator, "status_update_event_TASK_FAILED")
    assert ended["message"] == "Container exited with status 137"
    assert translate(translator, "status_update_event_TASK_KILLED") == []
    assert translate(translator, "status_update_event_TASK_RUNNING") == []  # never revived
    assert translator.view.tasks == {}


def test_app_codes_come_back_from_marathon_ids_and_other_apps_are_not_ours(translator):
    event = dict(
        event_payload("status_update_event_TASK_RUNNING"),
        appId="/qaeci/e2/f-tts-java",
        taskId="qaeci_e2_f-tts-java.instance-1._app.1",
    )
    [(_, payload)] = translator.translate(b"status_update_event", json.dumps(event).encode())
    assert (payload["env"], payload["app"]) == ("e2", "f_tts_java")
    event.update(appId="/infra/marathon-lb", taskId="infra_marathon-lb.instance-2._app.1")
    [(_, payload)] = translator.translate(b"status_update_event", json.dumps(event).encode())
    assert (payload["env"], payload["app"], payload["app_id"]) == (None, None, "/infra/marathon-lb")


def test_a_deployment_starts_once_steps_per_step_app_and_ends_per_plan_app(translator):
    started = translate(translator, "deployment_info")
    assert [(p["app_id"], p["status"]) for _, p in started] == [
        ("/qaeci/env1/db", "started"),
        ("/qaeci/env1/web", "started"),
    ]
    assert translate(translator, "deployment_info") == []
    step = translate(translator, "deployment_step_failure")
    assert [(p["app"], p["status"], p["deployment_id"]) for _, p in step] == [
        ("web", "step_failure", DEPLOYMENT_ID)
    ]
    failed = translate(translator, "deployment_failed")
    assert [(p["app"], p["status"], p["reason"]) for _, p in failed] == [
        ("db", "failed", "The upgrade has been cancelled"),
        ("web", "failed", "The upgrade has been cancelled"),
    ]
    assert translate(translator, "deployment_failed") == []
    assert translator.view.deployments == {}


def test_a_deployment_seen_only_at_its_end_is_reported(translator):
    done = translate(translator, "deployment_success")
    assert [(p["app"], p["status"], p["reason"]) for _, p in done] == [
        ("db", "success", None),
        ("web", "success", None),
    ]


def test_health_changes_name_the_task_and_are_reported_once(translator):
    translate(translator, "status_update_event_TASK_RUNNING")
    [(trigger, unhealthy)] = translate(translator, "health_status_changed_event")
    assert trigger == "app_health"
    assert (
        unhealthy["task_id"],
        unhealthy["status"],
        unhealthy["healthy"],
        unhealthy["source"],
    ) == (TASK_ID, "unhealthy", False, "marathon")
    [(_, healthy)] = translate(translator, "instance_health_changed_event")
    assert (healthy["status"], healthy["healthy"]) == ("healthy", True)
    assert translate(translator, "instance_health_changed_event") == []  # the same news again


def test_an_app_removed_ends_the_tasks_still_known(translator):
    translate(translator, "status_update_event_TASK_RUNNING")
    [(_, payload)] = translate(translator, "app_terminated_event")
    assert (payload["task_id"], payload["state"]) == (TASK_ID, "TASK_KILLED")
    assert "app_terminated_event" in payload["message"]
    assert translate(translator, "app_terminated_event") == []


def test_events_the_sensor_does_not_use_are_ignored(translator):
    assert translate(translator, "event_stream_attached") == []
    assert translate(translator, "instance_changed_event") == []
    assert translate(translator, "api_post_event") == []


@pytest.mark.parametrize(
    "event_type, data, kind",
    [
        (b"status_update_event", b"{not json", "not JSON"),
        (b"status_update_event", b"[1, 2]", "not a JSON object"),
        (
            b"status_update_event",
            b'{"appId": "/qaeci/e/a", "taskStatus": "TASK_RUNNING"}',
            "status_update_event without taskId",
        ),
        (
            b"status_update_event",
            b'{"appId": "/a", "taskId": "t", "taskStatus": "RUNNING"}',
            "status_update_event with an unknown taskStatus",
        ),
        (b"deployment_success", b'{"id": "d"}', "deployment_success without plan"),
        (
            b"deployment_info",
            b'{"plan": {"id": "d", "steps": [{"acts": []}]}}',
            "deployment_info with a malformed plan",
        ),
        (
            b"health_status_changed_event",
            b'{"appId": "/a", "instanceId": "i", "alive": "no"}',
            "health_status_changed_event without alive",
        ),
    ],
)
def test_malformed_events_name_their_kind(translator, event_type, data, kind):
    with pytest.raises(Malformed) as raised:
        translator.translate(event_type, data)
    assert raised.value.kind == kind
