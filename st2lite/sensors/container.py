"""The sensor container: runs every enabled pack sensor in its own thread, as StackStorm's
st2sensorcontainer runs each in its own process.

    container = SensorContainer(sensors, dispatch, datastore_factory, logger_factory)
    container.start()          # loads and starts each enabled sensor
    container.status()         # [{"ref", "state", "restarts", "last_error", "file"}, ...]
    container.stop()           # cleanup() on each, returns within STOP_TIMEOUT seconds

sensors: dicts {"ref", "pack", "class_name", "entry_point" (absolute .py path), "poll_interval",
"enabled", "trigger_types": [...], "config": {...}, "lib_paths": [...]}, optionally "triggers"
(trigger dicts passed to add_trigger() after setup()). dispatch(trigger_ref, payload);
datastore_factory: an object with list_values/get_value/set_value/delete_value on full key names
(local=False semantics), or a no-argument callable returning one; logger_factory(name) -> a
logging.Logger."""

import logging
import threading
import time

from st2lite.sensors.loader import SensorLoadError, load_sensor_class
from st2lite.sensors.runner import SensorRunner
from st2lite.sensors.service import SensorService

__all__ = ["SensorContainer", "STOP_TIMEOUT"]

STOP_TIMEOUT = 3.0


class SensorContainer(object):
    def __init__(self, sensors, dispatch, datastore_factory, logger_factory=None):
        self._sensors = list(sensors)
        self._dispatch = dispatch
        self._datastore_factory = datastore_factory
        self._logger_factory = logger_factory or (lambda name: logging.getLogger(name))
        self._logger = self._logger_factory("st2lite.sensorcontainer")
        self._runners = []
        self._triggers = {}  # sensor ref -> live list of trigger dicts
        self.load_errors = []  # one line each: "FILE: reason"
        self._failed = []
        self._lock = threading.Lock()

    def start(self):
        for sensor in self._sensors:
            if not sensor.get("enabled", True):
                self._logger.info("Sensor %s is disabled; not started", sensor["ref"])
                continue
            self._start_sensor(sensor)
        return self

    def _start_sensor(self, sensor):
        try:
            sensor_class = load_sensor_class(sensor)
        except SensorLoadError as error:
            self.load_errors.append(str(error))
            self._failed.append(
                {
                    "ref": sensor["ref"],
                    "state": "failed to load",
                    "restarts": 0,
                    "last_error": str(error),
                    "file": sensor["entry_point"],
                }
            )
            self._logger.error("Sensor %s not started: %s", sensor["ref"], error)
            return
        logger = self._logger_factory("st2lite.sensors.%s" % sensor["ref"])
        service = SensorService(
            sensor["pack"], sensor["class_name"], self._datastore(), self._dispatch, logger
        )
        triggers = self._triggers.setdefault(sensor["ref"], list(sensor.get("triggers") or []))
        runner = SensorRunner(sensor, sensor_class, service, logger, triggers)
        with self._lock:
            self._runners.append(runner)
        runner.start()

    def _datastore(self):
        factory = self._datastore_factory
        if callable(factory) and not hasattr(factory, "get_value"):
            return factory()
        return factory

    def status(self):
        with self._lock:
            runners = list(self._runners)
        return [runner.status() for runner in runners] + [dict(item) for item in self._failed]

    def stop(self, timeout=STOP_TIMEOUT):
        """Stop every sensor (cleanup() each) and wait for their threads, at most `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._lock:
            runners = list(self._runners)
        stoppers = [threading.Thread(target=runner.request_stop, daemon=True) for runner in runners]
        for stopper in stoppers:
            stopper.start()
        for thread in stoppers + [runner.thread for runner in runners]:
            thread.join(max(deadline - time.monotonic(), 0))
        stuck = [runner.ref for runner in runners if runner.thread.is_alive()]
        if stuck:
            self._logger.warning(
                "Sensors still running after stop (left behind): %s", ", ".join(stuck)
            )
        return not stuck

    # Triggers of the sensors' types, as StackStorm's trigger watcher forwards them.

    def add_trigger(self, trigger):
        self._forward("add_trigger", trigger)

    def update_trigger(self, trigger):
        self._forward("update_trigger", trigger)

    def remove_trigger(self, trigger):
        self._forward("remove_trigger", trigger)

    def _forward(self, method_name, trigger):
        with self._lock:
            runners = list(self._runners)
        for runner in runners:
            if trigger.get("type") not in (runner.sensor.get("trigger_types") or []):
                continue
            known = self._triggers[runner.ref]
            known[:] = [t for t in known if t.get("id") != trigger.get("id")]
            if method_name != "remove_trigger":
                known.append(trigger)
            runner.notify(method_name, trigger)
