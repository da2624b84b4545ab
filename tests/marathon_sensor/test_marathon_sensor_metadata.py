"""The sensor's metadata declares exactly qaeci.triggers' types and schemas (a rule written for
one back end's payloads matches the other's), and StackStorm's rules accept the pack."""

import os
import subprocess
import sys

import yaml
from qaeci import triggers

HERE = os.path.dirname(os.path.abspath(__file__))
PACK = os.path.join(os.path.dirname(os.path.dirname(HERE)), "packs", "qaeci")
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")


def metadata():
    with open(os.path.join(PACK, "sensors", "marathon_events_sensor.yaml")) as handle:
        return yaml.safe_load(handle)


def test_the_sensor_declares_its_trigger_types_as_triggers_py_defines_them():
    declared = metadata()["trigger_types"]
    assert [entry["name"] for entry in declared] == ["task_status", "deployment", "app_health"]
    for entry in declared:
        assert entry == triggers.trigger_type_metadata(entry["name"]), (
            "trigger type %s differs from qaeci/triggers.py; write the metadata from "
            "triggers.trigger_type_metadata()" % entry["name"]
        )


def test_the_sensor_is_enabled_and_its_class_exists():
    meta = metadata()
    assert meta["enabled"] is True
    with open(os.path.join(PACK, "sensors", meta["entry_point"])) as handle:
        assert "class %s(Sensor)" % meta["class_name"] in handle.read()


def test_the_pack_with_its_sensor_and_rules_validates():
    done = subprocess.run(
        [ST2LITE, "pack", "validate", PACK], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 problem(s)" in done.stdout
