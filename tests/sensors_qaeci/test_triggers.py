"""Every trigger payload a builder makes is valid against the schema the sensors declare."""

import jsonschema
import pytest
from qaeci import triggers

CLUSTER = "dev"
APP_ID = "/qaeci/env1/web"
TASK_ID = "qaeci_env1_web.instance-7b4d2d2e-4c8a-11ee-9c3b-0242ac110002._app.1"
CONTAINER = "4f1c2b7e9a0d3c6b8e5f7a1d2c3b4a5e6f7d8c9b0a1e2d3c4b5a69788796a5b4"

BUILT = {
    "task_status": lambda: triggers.task_status(
        CLUSTER, APP_ID, TASK_ID, "TASK_RUNNING", host="127.0.0.1", ports=[31044]
    ),
    "deployment": lambda: triggers.deployment(
        CLUSTER, APP_ID, "2e4d0b1c", "failed", reason="The upgrade has been cancelled"
    ),
    "app_health": lambda: triggers.app_health(CLUSTER, APP_ID, TASK_ID, "unhealthy", "docker"),
    "container_oom": lambda: triggers.container_oom(
        CLUSTER, APP_ID, TASK_ID, "127.0.0.1", CONTAINER, "mesos-d5b3a1f2"
    ),
    "container_exit": lambda: triggers.container_exit(
        CLUSTER, None, None, "127.0.0.1", CONTAINER, exit_code="143"
    ),
    "capacity": lambda: triggers.capacity(CLUSTER, "mem", "high", "normal", 900.0, 1000.0),
    "agent_change": lambda: triggers.agent_change(
        CLUSTER, "S3", "127.0.0.3", "left", False, {"cpus": 4, "mem": 16000, "disk": 100}
    ),
    "launch_stalled": lambda: triggers.launch_stalled(
        CLUSTER,
        APP_ID,
        1,
        91.5,
        "2023-09-05T08:12:30.600Z",
        {"InsufficientMemory": 4, "InsufficientCpus": 2, "UnfulfilledRole": 0},
        42,
        42,
    ),
}


def test_all_eight_trigger_types_are_defined():
    assert sorted(triggers.TRIGGER_TYPES) == sorted(BUILT)


@pytest.mark.parametrize("name", sorted(BUILT))
def test_built_payload_matches_its_schema(name):
    schema = triggers.trigger_type_metadata(name)["payload_schema"]
    jsonschema.validate(BUILT[name](), schema)


@pytest.mark.parametrize("name", sorted(BUILT))
def test_schema_refuses_a_payload_missing_a_field(name):
    schema = triggers.trigger_type_metadata(name)["payload_schema"]
    payload = BUILT[name]()
    payload.pop("timestamp")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(payload, schema)


def test_our_app_is_identified_by_labels_before_its_id():
    labels = {"qaeci.env": "env2", "qaeci.app": "web_api"}
    assert triggers.identify("/qaeci/env2/web-api", labels) == ("env2", "web_api")
    assert triggers.identify("/qaeci/env1/web") == ("env1", "web")


@pytest.mark.parametrize("app_id", ["/other/env1/web", "/qaeci/env1", "/qaeci/env1/web/x", None])
def test_an_app_that_is_not_ours_has_null_env_and_app(app_id):
    payload = triggers.task_status(CLUSTER, app_id, TASK_ID, "TASK_FAILED")
    assert (payload["env"], payload["app"]) == (None, None)


def test_stalled_launch_reasons_list_declining_reasons_most_first():
    payload = BUILT["launch_stalled"]()
    assert payload["reasons"] == ["InsufficientMemory", "InsufficientCpus"]


def test_timestamps_are_iso_utc_with_milliseconds():
    assert triggers.iso_timestamp(1693906802.3445) == "2023-09-05T09:40:02.344Z"
    assert triggers.iso_timestamp("2023-09-05T08:12:38.904Z") == "2023-09-05T08:12:38.904Z"
