"""`/sensortypes` (StackStorm's sensors.py): the sensors st2lite loaded, in SensorTypeAPI's
shape, as st2web's Triggers page reads them (`trigger_types` are refs)."""

import os

from st2lite.api import shapes
from st2lite.api.http import json_response
from st2lite.api.query import filter_by, find_by_ref_or_id, list_response
from st2lite.packs.content_ids import content_id


def register(router):
    router.add("api", "GET", "/sensortypes", list_sensor_types)
    router.add("api", "GET", "/sensortypes/{ref_or_id}", get_sensor_type)


def _entry_point(sensor, pack_path):
    """The module and class, as StackStorm names a pack sensor's entry point
    (`sensors.my_sensor.MySensor`)."""
    module = os.path.relpath(sensor["entry_point"], pack_path)
    module = os.path.splitext(module)[0].replace(os.sep, ".")
    return "%s.%s" % (module, sensor["class_name"])


def sensor_type_api(sensor, pack_path):
    shaped = {
        "id": content_id("sensor_type", sensor["ref"]),
        "uid": "sensor_type:%s:%s" % (sensor["pack"], sensor["class_name"]),
        "ref": sensor["ref"],
        "pack": sensor["pack"],
        "name": sensor["class_name"],
        "class_name": sensor["class_name"],
        "description": sensor.get("description") or "",
        "artifact_uri": "file://" + sensor["entry_point"],
        "entry_point": _entry_point(sensor, pack_path),
        "enabled": sensor.get("enabled", True),
        "trigger_types": list(sensor["trigger_types"]),
        "metadata_file": shapes.metadata_file(sensor),
    }
    if sensor.get("poll_interval") is not None:
        shaped["poll_interval"] = sensor["poll_interval"]
    return shaped


def _sensor_types(app):
    content = app.runtime.content
    sensors = sorted(content.sensors, key=lambda sensor: (sensor["pack"], sensor["class_name"]))
    return [sensor_type_api(s, content.packs[s["pack"]].path) for s in sensors]


def list_sensor_types(app, request):
    sensor_types = filter_by(request, _sensor_types(app), "pack", "name")
    if request.query.get("enabled"):
        enabled = request.flag("enabled")
        sensor_types = [s for s in sensor_types if s["enabled"] == enabled]
    trigger = request.query.get("trigger")
    if trigger:
        sensor_types = [s for s in sensor_types if trigger in s["trigger_types"]]
    return list_response(request, sensor_types)


def get_sensor_type(app, request, ref_or_id):
    return json_response(find_by_ref_or_id(_sensor_types(app), ref_or_id, "SensorType"))
