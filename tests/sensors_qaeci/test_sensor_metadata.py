"""The sensors' metadata declares exactly the trigger types and schemas of qaeci.triggers, so a
rule written against one back end's payloads matches the other's."""

import os

import pytest
import yaml
from qaeci import triggers

SENSORS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "packs",
    "qaeci",
    "sensors",
)
DECLARED = {
    "mesos_capacity_sensor.yaml": ["capacity", "agent_change", "launch_stalled"],
    "docker_events_sensor.yaml": ["container_oom", "container_exit", "app_health"],
}


def metadata(name):
    with open(os.path.join(SENSORS, name)) as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_sensor_declares_its_trigger_types_as_triggers_py_defines_them(name):
    declared = metadata(name)["trigger_types"]
    assert [entry["name"] for entry in declared] == DECLARED[name]
    for entry in declared:
        assert entry == triggers.trigger_type_metadata(entry["name"]), (
            "%s: trigger type %s differs from qaeci/triggers.py; write the metadata from "
            "triggers.trigger_type_metadata()" % (name, entry["name"])
        )


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_sensor_is_enabled_and_its_class_exists(name):
    meta = metadata(name)
    assert meta["enabled"] is True
    with open(os.path.join(SENSORS, meta["entry_point"])) as handle:
        assert "class %s(" % meta["class_name"] in handle.read()
