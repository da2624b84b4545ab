"""Runs one sensor in its own thread: instantiate, setup(), then run() (or, for a polling sensor,
poll() every poll interval). A sensor that raises, or whose run() returns, is logged, cleaned up
and started again on a new instance after 1 s, 2 s, 4 s ... up to 60 s; the delay starts over
once a run has lasted 60 s."""

import threading
import time

from st2lite.sensors.loader import is_polling_sensor_class

__all__ = ["SensorRunner", "FIRST_DELAY", "MAX_DELAY"]

FIRST_DELAY = 1.0
MAX_DELAY = 60.0


class SensorRunner(object):
    def __init__(self, sensor, sensor_class, service, logger, triggers):
        self.sensor = sensor
        self.ref = sensor["ref"]
        self.state = "starting"
        self.restarts = 0
        self.last_error = None
        self.next_delay = FIRST_DELAY
        self._class = sensor_class
        self._service = service
        self._logger = logger
        self._triggers = triggers  # shared, live list of trigger dicts for this sensor's types
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._instance = None
        self._instance_cleaned = False
        self.thread = threading.Thread(
            target=self._supervise, name="sensor:%s" % self.ref, daemon=True
        )

    def start(self):
        self.thread.start()

    # Life cycle

    def _supervise(self):
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self._run_once()
                failure, exc_info = "run() returned", None
            except Exception as error:
                failure, exc_info = "%s: %s" % (type(error).__name__, error), error
            if self._stop.is_set():
                break
            if time.monotonic() - started >= MAX_DELAY:
                self.next_delay = FIRST_DELAY
            self._note_failure(failure, exc_info)
            self._cleanup_current()
            delay = self.next_delay
            self.next_delay = min(delay * 2, MAX_DELAY)
            if self._stop.wait(delay):
                break
            self.restarts += 1
        self._cleanup_current()  # stop() may have come before this instance existed
        self.state = "stopped"

    def _note_failure(self, reason, exc_info=None):
        self.last_error = " ".join(reason.split())
        self.state = "restarting"
        self._logger.error(
            "Sensor %s stopped: %s; restarting in %g s",
            self.ref,
            self.last_error,
            self.next_delay,
            exc_info=exc_info,
        )

    def _instantiate(self):
        kwargs = {"sensor_service": self._service, "config": self.sensor.get("config") or {}}
        if is_polling_sensor_class(self._class) and self.sensor.get("poll_interval"):
            kwargs["poll_interval"] = self.sensor["poll_interval"]
        return self._class(**kwargs)

    def _run_once(self):
        instance = self._instantiate()
        with self._lock:
            self._instance, self._instance_cleaned = instance, False
        instance.setup()
        for trigger in list(self._triggers):
            instance.add_trigger(trigger)
        self.state = "running"
        self._logger.info("Sensor %s running", self.ref)
        if getattr(type(instance).run, "st2lite_poll_loop", False):
            self._poll_until_stopped(instance)
        else:
            instance.run()

    def _poll_until_stopped(self, instance):
        while not self._stop.is_set():
            instance.poll()
            interval = instance.get_poll_interval()
            self._stop.wait(max(float(interval or 0), 0.01))

    # Stopping

    def request_stop(self):
        """Stop restarting and polling, and run cleanup() of the running instance once."""
        self._stop.set()
        self._cleanup_current()

    def _cleanup_current(self):
        with self._lock:
            instance = self._instance
            if instance is None or self._instance_cleaned:
                return
            self._instance_cleaned = True
        try:
            instance.cleanup()
        except Exception:
            self._logger.exception("Sensor %s: cleanup() raised", self.ref)

    def join(self, timeout):
        self.thread.join(timeout)
        return not self.thread.is_alive()

    # Triggers

    def notify(self, method_name, trigger):
        with self._lock:
            instance = self._instance
        if instance is None or self.state != "running":
            return
        try:
            getattr(instance, method_name)(trigger)
        except Exception:
            self._logger.exception("Sensor %s: %s() raised", self.ref, method_name)

    def status(self):
        return {
            "ref": self.ref,
            "state": self.state,
            "restarts": self.restarts,
            "last_error": self.last_error,
            "file": self.sensor["entry_point"],
        }
