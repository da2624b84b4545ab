"""Sensor benchmark: how fast one sensor ingests its event stream, and how long an event takes
from the source to the sensor's trigger dispatch.

Prints `name: value unit` lines and exits 1 when a figure misses its target (2 when a measured
run itself went wrong):

    docker_events_per_second: X /s       one Docker events sensor (DockerEventsSensor, one daemon)
                                         reading `die` events as fast as the daemon double writes
                                         them, each translated and dispatched (>= 20000)
    docker_dispatch_latency_p50: X ms    at 1,000 events/s, from the double publishing an event to
    docker_dispatch_latency_p99: X ms    sensor_service.dispatch() of its trigger (p99 < 50)

The Docker Engine double (tests/doubles/docker_engine.py) runs in a child process, so that
writing the stream does not share the sensor's interpreter lock (a real daemon is another
process too); its events are encoded before the clock starts. Dispatch goes through st2lite's
SensorService into a recorder (on StackStorm, dispatch hands the trigger to the message bus).
Latencies compare time.monotonic() across the two processes (one system-wide clock on Linux).
Each figure is the best of REPEATS runs: on a shared machine other processes only add time.

More streams (the Marathon event stream) are added as further entries of BENCHES.
"""
import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACK = os.path.join(REPO_ROOT, "packs", "qaeci")
sys.path[:0] = [REPO_ROOT, os.path.join(PACK, "lib"), os.path.join(PACK, "sensors")]
sys.path.append(os.path.join(REPO_ROOT, "st2lite", "compat"))

from st2lite.sensors.service import SensorService  # noqa: E402

THROUGHPUT_EVENTS = 100000
BATCH = 500
CONTAINERS = 50
LATENCY_RATE = 1000.0
LATENCY_EVENTS = 5000
REPEATS = 3
TIMEOUT = 120.0

TARGET_EVENTS_PER_SECOND = 20000.0
TARGET_P99_MS = 50.0


class BenchRunError(Exception):
    """A measured run did not do what it measures: one line."""


# --- the daemon double, in its own process --------------------------------------------------

def _daemon(socket_path, commands, replies):
    """Runs the Docker double; obeys ("throughput", n) and ("paced", n, rate) commands."""
    sys.path[:0] = [REPO_ROOT]
    from tests.doubles.docker_engine import DockerEngineDouble
    engine = DockerEngineDouble(socket_path=socket_path).start()
    containers = [engine.run_task("/qaeci/bench/app%d" % n, "qaeci_bench_app%d.instance-%08d._app.1"
                                  % (n, n), labels={"qaeci.env": "bench", "qaeci.app": "app%d" % n})
                  for n in range(CONTAINERS)]
    replies.put("ready")
    while True:
        command = commands.get()
        if command[0] == "stop":
            engine.stop()
            return
        while engine.subscribers() < 1:
            time.sleep(0.01)
        if command[0] == "throughput":
            replies.put(_publish_all(engine, containers, command[1]))
        elif command[0] == "paced":
            replies.put(_publish_paced(engine, containers, command[1], command[2]))


def _die_events(engine, containers, count):
    return [engine.container_event("die", containers[n % len(containers)], exitCode=n % 200)
            for n in range(count)]


def _publish_all(engine, containers, count):
    prepared = engine.prepare(_die_events(engine, containers, count))
    started = time.monotonic()
    for start in range(0, count, BATCH):
        engine.publish_prepared(prepared[start:start + BATCH])
    return started


def _publish_paced(engine, containers, count, rate):
    times = []
    started = time.monotonic()
    for n in range(count):
        due = started + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        event = engine.container_event("die", containers[n % len(containers)], exitCode=n % 200)
        times.append(time.monotonic())
        engine.publish([event])
    return times


# --- the sensor, in this process ------------------------------------------------------------

class Recorder(object):
    """What sensor_service.dispatch hands on: counts and timestamps, waiting for a count."""

    def __init__(self):
        self.times = []
        self._target = None
        self._reached = threading.Event()

    def dispatch(self, trigger, payload):
        self.times.append(time.monotonic())
        if self._target is not None and len(self.times) >= self._target:
            self._reached.set()

    def expect(self, count):
        self.times = []
        self._reached.clear()
        self._target = count

    def wait(self, timeout):
        if not self._reached.wait(timeout):
            raise BenchRunError("only %d of %d triggers dispatched within %g s"
                                % (len(self.times), self._target, timeout))


class _Quiet(object):
    def __getattr__(self, name):
        return lambda *args, **kwargs: None

    def getChild(self, name):
        return self


class _MemoryDatastore(object):
    def __init__(self):
        self.values = {}

    def get_value(self, key, **kwargs):
        return self.values.get(key)

    def set_value(self, key, value, **kwargs):
        self.values[key] = value


def start_docker_sensor(address, recorder):
    from docker_events_sensor import DockerEventsSensor
    service = SensorService("qaeci", "DockerEventsSensor", _MemoryDatastore(), recorder.dispatch,
                            _Quiet())
    sensor = DockerEventsSensor(service, config={"clusters": {"bench": {"docker_hosts": [address]}}})
    sensor.setup()
    threading.Thread(target=sensor.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not sensor.watches[0].connected.is_set():
        if time.monotonic() > deadline:
            raise BenchRunError("the sensor did not connect to the Docker double")
        time.sleep(0.01)
    return sensor


def bench_docker(repeats):
    directory = tempfile.mkdtemp(prefix="qaeci-bench-")
    socket_path = os.path.join(directory, "docker.sock")
    context = multiprocessing.get_context("spawn")
    commands, replies = context.Queue(), context.Queue()
    daemon = context.Process(target=_daemon, args=(socket_path, commands, replies), daemon=True)
    daemon.start()
    try:
        if replies.get(timeout=60) != "ready":
            raise BenchRunError("the Docker double did not start")
        recorder = Recorder()
        sensor = start_docker_sensor("unix://" + socket_path, recorder)
        try:
            _run(commands, replies, recorder, ("paced", CONTAINERS, 200.0), CONTAINERS)  # warm-up
            rates = [_throughput(commands, replies, recorder) for _ in range(repeats)]
            latencies = [_latencies(commands, replies, recorder) for _ in range(repeats)]
        finally:
            sensor.cleanup()
        best = min(latencies, key=lambda values: _percentile(values, 99))
        return [("docker_events_per_second", max(rates), "/s", max(rates) >= TARGET_EVENTS_PER_SECOND),
                ("docker_dispatch_latency_p50", _percentile(best, 50), "ms", True),
                ("docker_dispatch_latency_p99", _percentile(best, 99), "ms",
                 _percentile(best, 99) < TARGET_P99_MS)]
    finally:
        commands.put(("stop",))
        daemon.join(10)
        if daemon.is_alive():
            daemon.terminate()
        shutil.rmtree(directory, ignore_errors=True)


def _run(commands, replies, recorder, command, expected):
    recorder.expect(expected)
    commands.put(command)
    recorder.wait(TIMEOUT)
    return replies.get(timeout=TIMEOUT)


def _throughput(commands, replies, recorder):
    started = _run(commands, replies, recorder, ("throughput", THROUGHPUT_EVENTS),
                   THROUGHPUT_EVENTS)
    return THROUGHPUT_EVENTS / (recorder.times[-1] - started)


def _latencies(commands, replies, recorder):
    published = _run(commands, replies, recorder, ("paced", LATENCY_EVENTS, LATENCY_RATE),
                     LATENCY_EVENTS)
    return [(done - sent) * 1000.0 for sent, done in zip(published, recorder.times)]


def _percentile(values, percent):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(percent / 100.0 * len(ordered))) - 1))
    return ordered[index]


BENCHES = {"docker": bench_docker}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(BENCHES), action="append",
                        help="run only this stream's figures (repeatable)")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)
    missed = False
    for name in args.only or sorted(BENCHES):
        try:
            figures = BENCHES[name](max(1, args.repeats))
        except BenchRunError as error:
            print("%s: bench run failed: %s" % (name, error), file=sys.stderr)
            return 2
        for figure, value, unit, met in figures:
            print("%s: %s %s" % (figure, _format(value), unit))
            missed = missed or not met
    return 1 if missed else 0


def _format(value):
    return "%.0f" % value if value >= 100 else "%.2f" % value


if __name__ == "__main__":
    sys.exit(main())
