"""The sensor container running real sensor files written to a temporary pack."""

import logging
import textwrap
import threading
import time

import pytest
from memory_datastore import MemoryDatastore

from st2lite.sensors import SensorContainer

POLLING = """
from st2reactor.sensor.base import PollingSensor
from greeting import GREETING  # from the pack's lib directory


class TickSensor(PollingSensor):
    def setup(self):
        self.count = int(self.sensor_service.get_value("count") or 0)

    def poll(self):
        self.count += 1
        self.sensor_service.set_value("count", self.count)
        self.sensor_service.dispatch("tst.tick", {"n": self.count, "greeting": GREETING,
                                                  "site": self.config.get("site"),
                                                  "interval": self.get_poll_interval()})

    def cleanup(self):
        self.sensor_service.set_value("cleaned", "yes")

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
"""

CRASHING = """
import time
from st2reactor.sensor.base import PollingSensor


class FlakySensor(PollingSensor):
    def setup(self):
        self.attempt = int(self.sensor_service.get_value("attempt") or 0) + 1
        self.sensor_service.set_value("attempt", self.attempt)
        self.sensor_service.set_value("setup_at_%d" % self.attempt, repr(time.monotonic()))

    def poll(self):
        if self.attempt <= 2:
            raise RuntimeError("upstream down (attempt %d)" % self.attempt)
        self.sensor_service.dispatch("tst.flaky", {"attempt": self.attempt})

    def cleanup(self):
        pass

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
"""

PASSIVE = """
import threading
from st2reactor.sensor.base import Sensor


class WatchSensor(Sensor):
    def setup(self):
        self.stopping = threading.Event()
        self.triggers = []

    def run(self):
        self.sensor_service.dispatch("tst.started", {"triggers": [t["id"] for t in self.triggers]})
        while not self.stopping.wait(0.05):
            pass

    def cleanup(self):
        self.sensor_service.set_value("cleaned", "yes")
        self.stopping.set()

    def add_trigger(self, trigger):
        self.triggers.append(trigger)
        self.sensor_service.dispatch("tst.added", {"id": trigger["id"]})

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        self.sensor_service.dispatch("tst.removed", {"id": trigger["id"]})
"""


class Dispatched(object):
    def __init__(self):
        self.items = []
        self.changed = threading.Condition()

    def __call__(self, ref, payload):
        with self.changed:
            self.items.append((ref, payload))
            self.changed.notify_all()

    def wait_for(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate(self.items):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(remaining)
            return True

    def of(self, ref):
        return [payload for r, payload in self.items if r == ref]


def write_pack(tmp_path, files):
    sensors_dir, lib_dir = tmp_path / "pack" / "sensors", tmp_path / "pack" / "lib"
    sensors_dir.mkdir(parents=True)
    lib_dir.mkdir()
    (lib_dir / "greeting.py").write_text('GREETING = "hello from lib"\n')
    for name, text in files.items():
        (sensors_dir / name).write_text(textwrap.dedent(text))
    return sensors_dir, str(lib_dir)


def sensor(sensors_dir, lib_dir, file_name, class_name, poll_interval=None, **extra):
    item = {
        "ref": "tst.%s" % class_name,
        "pack": "tst",
        "class_name": class_name,
        "entry_point": str(sensors_dir / file_name),
        "poll_interval": poll_interval,
        "enabled": True,
        "trigger_types": ["tst.tick"],
        "config": {"site": "qa"},
        "lib_paths": [lib_dir],
    }
    item.update(extra)
    return item


@pytest.fixture
def run_container():
    started = []

    def start(sensors, datastore):
        dispatched = Dispatched()
        container = SensorContainer(sensors, dispatched, lambda: datastore, logging.getLogger)
        started.append(container.start())
        return container, dispatched

    yield start
    for container in started:
        container.stop()


def test_polling_sensor_dispatches_every_interval_and_cleans_up(tmp_path, run_container):
    sensors_dir, lib_dir = write_pack(tmp_path, {"tick.py": POLLING})
    datastore = MemoryDatastore()
    container, dispatched = run_container(
        [sensor(sensors_dir, lib_dir, "tick.py", "TickSensor", poll_interval=0.05)], datastore
    )
    assert dispatched.wait_for(lambda items: len(items) >= 3, timeout=5)
    first = dispatched.of("tst.tick")[0]
    assert first == {"n": 1, "greeting": "hello from lib", "site": "qa", "interval": 0.05}
    assert [p["n"] for p in dispatched.of("tst.tick")[:3]] == [1, 2, 3]
    assert int(datastore.items["tst.TickSensor:count"].value) >= 3
    assert container.status()[0]["state"] == "running"
    assert container.stop() is True  # its thread ended within the container's stop timeout
    assert datastore.items["tst.TickSensor:cleaned"].value == "yes"
    assert container.status()[0]["state"] == "stopped"
    count = len(dispatched.items)
    time.sleep(0.2)
    assert len(dispatched.items) == count  # no polling after stop


def test_crashing_sensor_is_logged_and_restarted_with_backoff(tmp_path, run_container, caplog):
    sensors_dir, lib_dir = write_pack(tmp_path, {"flaky.py": CRASHING})
    datastore = MemoryDatastore()
    caplog.set_level(logging.ERROR)
    container, dispatched = run_container(
        [sensor(sensors_dir, lib_dir, "flaky.py", "FlakySensor", poll_interval=0.05)], datastore
    )
    assert dispatched.wait_for(lambda items: len(items) >= 1, timeout=10)
    assert dispatched.of("tst.flaky")[0] == {"attempt": 3}
    setups = [float(datastore.items["tst.FlakySensor:setup_at_%d" % n].value) for n in (1, 2, 3)]
    assert setups[1] - setups[0] >= 1 and setups[2] - setups[1] >= 2  # backed off 1 s, then 2 s
    status = container.status()[0]
    assert status["restarts"] == 2
    assert status["state"] == "running"
    assert status["last_error"] == "RuntimeError: upstream down (attempt 2)"
    messages = [r.getMessage() for r in caplog.records if "tst.FlakySensor" in r.getMessage()]
    assert any("upstream down (attempt 1)" in m and "restarting in 1 s" in m for m in messages)
    assert any("upstream down (attempt 2)" in m and "restarting in 2 s" in m for m in messages)


def test_sensor_that_fails_to_import_is_reported_and_others_run(tmp_path, run_container):
    sensors_dir, lib_dir = write_pack(
        tmp_path,
        {
            "tick.py": POLLING,
            "broken.py": "import no_such_module_anywhere\n",
            "typo.py": "def oops(:\n",
        },
    )
    datastore = MemoryDatastore()
    container, dispatched = run_container(
        [
            sensor(sensors_dir, lib_dir, "broken.py", "BrokenSensor"),
            sensor(sensors_dir, lib_dir, "typo.py", "TypoSensor"),
            sensor(sensors_dir, lib_dir, "tick.py", "NoSuchClass"),
            sensor(sensors_dir, lib_dir, "tick.py", "TickSensor", poll_interval=0.05),
        ],
        datastore,
    )
    assert dispatched.wait_for(lambda items: len(items) >= 1, timeout=5)
    broken, typo, no_class = container.load_errors
    assert broken.startswith(
        str(sensors_dir / "broken.py") + ": import failed: ModuleNotFoundError"
    )
    assert "no_such_module_anywhere" in broken
    assert typo.startswith(str(sensors_dir / "typo.py") + ": import failed: SyntaxError")
    assert 'no class named "NoSuchClass"' in no_class
    assert all("\n" not in line for line in container.load_errors)
    states = {s["ref"]: s["state"] for s in container.status()}
    assert states == {
        "tst.BrokenSensor": "failed to load",
        "tst.TypoSensor": "failed to load",
        "tst.NoSuchClass": "failed to load",
        "tst.TickSensor": "running",
    }


def test_passive_sensor_gets_triggers_and_stops_through_cleanup(tmp_path, run_container):
    sensors_dir, lib_dir = write_pack(tmp_path, {"watch.py": PASSIVE})
    datastore = MemoryDatastore()
    item = sensor(
        sensors_dir,
        lib_dir,
        "watch.py",
        "WatchSensor",
        triggers=[{"id": "t1", "type": "tst.tick", "parameters": {}}],
    )
    container, dispatched = run_container([item], datastore)
    assert dispatched.wait_for(lambda items: dispatched.of("tst.started"), timeout=5)
    assert dispatched.of("tst.started") == [{"triggers": ["t1"]}]
    container.add_trigger({"id": "t2", "type": "tst.tick", "parameters": {}})
    container.add_trigger({"id": "other", "type": "tst.not_mine", "parameters": {}})
    container.remove_trigger({"id": "t1", "type": "tst.tick"})
    assert [p["id"] for p in dispatched.of("tst.added")] == ["t1", "t2"]
    assert dispatched.of("tst.removed") == [{"id": "t1"}]
    assert container.stop() is True  # cleanup() made run() return: the thread ended
    assert datastore.items["tst.WatchSensor:cleaned"].value == "yes"


def test_disabled_sensor_is_not_started(tmp_path, run_container):
    sensors_dir, lib_dir = write_pack(tmp_path, {"tick.py": POLLING})
    container, dispatched = run_container(
        [sensor(sensors_dir, lib_dir, "tick.py", "TickSensor", poll_interval=0.05, enabled=False)],
        MemoryDatastore(),
    )
    time.sleep(0.2)
    assert dispatched.items == [] and container.status() == []


def test_sensor_without_poll_interval_uses_stackstorms_default(tmp_path, run_container):
    sensors_dir, lib_dir = write_pack(tmp_path, {"tick.py": POLLING})
    container, dispatched = run_container(
        [sensor(sensors_dir, lib_dir, "tick.py", "TickSensor")], MemoryDatastore()
    )
    assert dispatched.wait_for(lambda items: len(items) >= 1, timeout=5)
    assert dispatched.of("tst.tick")[0]["interval"] == 5


def test_datastore_object_given_directly(tmp_path):
    sensors_dir, lib_dir = write_pack(tmp_path, {"tick.py": POLLING})
    datastore, dispatched = MemoryDatastore(), Dispatched()
    container = SensorContainer(
        [sensor(sensors_dir, lib_dir, "tick.py", "TickSensor", poll_interval=0.05)],
        dispatched,
        datastore,
        logging.getLogger,
    ).start()
    try:
        assert dispatched.wait_for(lambda items: len(items) >= 1, timeout=5)
        assert datastore.items["tst.TickSensor:count"].value == "1"
    finally:
        container.stop()


BLOCKING_SETUP = """
import threading
from st2reactor.sensor.base import PollingSensor


class SlowSensor(PollingSensor):
    def setup(self):
        self.stopping = threading.Event()
        self.sensor_service.dispatch("tst.in_setup", {})
        self.stopping.wait(10)  # still in setup() when the container stops

    def poll(self):
        self.sensor_service.dispatch("tst.slow", {})

    def cleanup(self):
        self.sensor_service.set_value("cleaned", "yes")
        self.stopping.set()

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
"""


def test_stop_during_setup_still_cleans_up(tmp_path):
    sensors_dir, lib_dir = write_pack(tmp_path, {"slow.py": BLOCKING_SETUP})
    datastore, dispatched = MemoryDatastore(), Dispatched()
    container = SensorContainer(
        [sensor(sensors_dir, lib_dir, "slow.py", "SlowSensor", poll_interval=0.05)],
        dispatched,
        datastore,
        logging.getLogger,
    ).start()
    assert dispatched.wait_for(lambda items: dispatched.of("tst.in_setup"), timeout=5)
    assert container.stop() is True
    assert datastore.items["tst.SlowSensor:cleaned"].value == "yes"
    assert dispatched.of("tst.slow") == []  # never polled once stopping


TWO_CLASSES = """
import os
from st2reactor.sensor.base import PollingSensor

with open(os.path.join(os.path.dirname(__file__), "imports.log"), "a") as log:
    log.write("imported\\n")


class _Base(PollingSensor):
    def setup(self):
        pass

    def poll(self):
        self.sensor_service.dispatch("tst.%s" % type(self).__name__.lower(), {})

    def cleanup(self):
        pass

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass


class First(_Base):
    pass


class Second(_Base):
    pass
"""


def test_two_sensors_in_one_file_share_one_import(tmp_path, run_container):
    sensors_dir, lib_dir = write_pack(tmp_path, {"pair.py": TWO_CLASSES})
    container, dispatched = run_container(
        [
            sensor(sensors_dir, lib_dir, "pair.py", "First", poll_interval=0.05),
            sensor(sensors_dir, lib_dir, "pair.py", "Second", poll_interval=0.05),
        ],
        MemoryDatastore(),
    )
    assert dispatched.wait_for(
        lambda items: dispatched.of("tst.first") and dispatched.of("tst.second"), 5
    )
    assert (sensors_dir / "imports.log").read_text() == "imported\n"


ALWAYS_CRASHING = """
from st2reactor.sensor.base import Sensor


class BrokenSensor(Sensor):
    def setup(self):
        pass

    def run(self):
        raise ValueError("cannot reach upstream")

    def cleanup(self):
        pass

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
"""


def test_backoff_doubles_up_to_the_cap(tmp_path, run_container, caplog, monkeypatch):
    from st2lite.sensors import runner

    monkeypatch.setattr(runner, "FIRST_DELAY", 0.02)  # the same sequence as 1 s ... 60 s, faster
    monkeypatch.setattr(runner, "MAX_DELAY", 0.16)
    sensors_dir, lib_dir = write_pack(tmp_path, {"broken.py": ALWAYS_CRASHING})
    caplog.set_level(logging.ERROR)
    container, _ = run_container(
        [sensor(sensors_dir, lib_dir, "broken.py", "BrokenSensor")], MemoryDatastore()
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and container.status()[0]["restarts"] < 6:
        time.sleep(0.02)
    container.stop()
    delays = [
        r.getMessage().rsplit("restarting in ", 1)[1]
        for r in caplog.records
        if "cannot reach upstream" in r.getMessage()
    ]
    assert delays[:6] == ["0.02 s", "0.04 s", "0.08 s", "0.16 s", "0.16 s", "0.16 s"]
