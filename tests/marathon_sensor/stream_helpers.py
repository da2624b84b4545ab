"""What the Marathon sensor tests share: the recorded payloads, a watch on a double with a
recorder of what it dispatches, and a recording logger."""

import json
import logging
import threading
import time

import jsonschema
from qaeci import triggers
from qaeci.cluster_config import SENSOR_DEFAULTS, Cluster
from qaeci.marathon_stream import MarathonStreamWatch
from qaeci.sensing.problems import EndpointProblems, MalformedEvents

from tests.doubles.payloads import load_bytes, load_json

CREDENTIALS = "qaeci:secret"
TASK_ID = "qaeci_env1_web.instance-7b4d2d2e-4c8a-11ee-9c3b-0242ac110002._app.1"
FAST = dict(
    SENSOR_DEFAULTS,
    retry_first=0.02,
    retry_max=0.2,
    request_timeout=5.0,
    marathon_stall_timeout=1.0,
)


def event_payload(name):
    return load_json("marathon", "events", name + ".json")


def event_data(name):
    """The payload file as Marathon puts it on the wire: compact JSON bytes."""
    return json.dumps(event_payload(name), separators=(",", ":")).encode("utf-8")


def recorded_stream():
    return load_bytes("marathon", "events", "sse_stream_raw.txt")


def check_schema(name, payload):
    jsonschema.validate(payload, triggers.trigger_type_metadata(name)["payload_schema"])


class Recorder(object):
    """dispatch(name, payload) as the sensor calls it; wait_for(predicate) waits (bounded)."""

    def __init__(self):
        self.dispatched = []
        self._changed = threading.Condition()

    def __call__(self, name, payload):
        check_schema(name, payload)
        with self._changed:
            self.dispatched.append((name, payload))
            self._changed.notify_all()

    def of(self, name):
        with self._changed:
            return [payload for kind, payload in self.dispatched if kind == name]

    def wait_for(self, predicate, timeout=15.0, what="the expected triggers"):
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        "the sensor did not dispatch %s in %ss; dispatched: %s"
                        % (what, timeout, self.dispatched[-20:])
                    )
                self._changed.wait(min(remaining, 0.05))


class RecordingLog(logging.Handler):
    """A logger whose lines tests can read."""

    def __init__(self):
        logging.Handler.__init__(self)
        self.lines = []
        self.logger = logging.getLogger("qaeci.tests.marathon_sensor.%d" % id(self))
        self.logger.propagate = False
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self)

    def emit(self, record):
        self.lines.append((record.levelname, record.getMessage()))

    def at(self, level):
        return [line for name, line in self.lines if name == level]


class MemoryStore(object):
    """get_value/set_value as the sensor service offers them."""

    def __init__(self):
        self.values = {}

    def get_value(self, name):
        return self.values.get(name)

    def set_value(self, name, value):
        self.values[name] = value


class Watching(object):
    """A MarathonStreamWatch on the double, run in a thread until stop()."""

    def __init__(self, url, auth=CREDENTIALS, settings=FAST, store=None, ca_file=None):
        self.recorder = Recorder()
        self.log = RecordingLog()
        self.store = store or MemoryStore()
        self.malformed = MalformedEvents(self.log.logger)
        cluster = Cluster(
            "dev",
            marathon_url=url,
            marathon_auth=auth,
            mesos_url=None,
            docker_hosts=(),
            marathon_ca_file=ca_file,
        )
        self.watch = MarathonStreamWatch(
            cluster,
            settings,
            self.recorder,
            self.store,
            self.log.logger,
            EndpointProblems(self.log.logger),
            self.malformed,
        )
        self._thread = threading.Thread(target=self.watch.run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.watch.stop()
        self._thread.join(10)
        assert not self._thread.is_alive(), "the watch did not stop"

    def wait_connected(self, sessions=1, timeout=15.0):
        deadline = time.monotonic() + timeout
        while not (self.watch.connected.is_set() and self.watch.sessions >= sessions):
            if time.monotonic() > deadline:
                raise AssertionError(
                    "the watch did not connect (%d sessions); log: %s"
                    % (self.watch.sessions, self.log.lines)
                )
            time.sleep(0.01)

    def last_state(self):
        """{task id: its last dispatched task_status payload}."""
        last = {}
        for payload in self.recorder.of("task_status"):
            last[payload["task_id"]] = payload
        return last
