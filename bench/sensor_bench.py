"""The measurement every sensor benchmark shares (bench/sensors.py runs them): a source double in
a child process obeying commands, the sensor in this process dispatching through st2lite's
SensorService into a Recorder, and the three figures of a stream taken from that.

The protocol with the child: it first replies its address; then ("throughput", first, count)
makes it write COUNT events as fast as it can and reply the time.monotonic() it started, and
("paced", first, count, rate) makes it publish them one at a time at RATE per second and reply
the time each went out; ("stop",) ends it. FIRST numbers the events, so that every event of a
run is news to the sensor. Latencies compare time.monotonic() across the two processes (one
system-wide clock on Linux). Each figure is the best of `repeats` runs: on a shared machine
other processes only add time.
"""

import multiprocessing
import os
import sys
import threading
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACK = os.path.join(REPO_ROOT, "packs", "qaeci")
for _path in (REPO_ROOT, os.path.join(PACK, "lib"), os.path.join(PACK, "sensors")):
    if _path not in sys.path:
        sys.path.insert(0, _path)
if os.path.join(REPO_ROOT, "st2lite", "compat") not in sys.path:
    sys.path.append(os.path.join(REPO_ROOT, "st2lite", "compat"))

THROUGHPUT_EVENTS = 100000
BATCH = 500
LATENCY_RATE = 1000.0
LATENCY_EVENTS = 5000
REPEATS = 3
TIMEOUT = 120.0

TARGET_EVENTS_PER_SECOND = 20000.0
TARGET_P99_MS = 50.0


class BenchRunError(Exception):
    """A measured run did not do what it measures: one line."""


# --- in the double's process --------------------------------------------------------------------


def obey(commands, replies, wait_for_subscriber, write_all, make_event, publish_event):
    """The child's command loop. write_all(first, count) -> its start time; make_event(n) is
    the Nth event, which publish_event(event) publishes (only publishing is timed)."""
    while True:
        command = commands.get()
        if command[0] == "stop":
            return
        wait_for_subscriber()
        if command[0] == "throughput":
            replies.put(write_all(command[1], command[2]))
        elif command[0] == "paced":
            first, count, rate = command[1:]
            replies.put(publish_paced(range(first, first + count), rate, make_event, publish_event))


def publish_paced(numbers, rate, make_event, publish_event):
    times = []
    started = time.monotonic()
    for index, n in enumerate(numbers):
        delay = started + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        event = make_event(n)
        times.append(time.monotonic())
        publish_event(event)
    return times


# --- in this process ----------------------------------------------------------------------------


class Recorder(object):
    """What sensor_service.dispatch hands on: the time of each dispatch, waiting for a count."""

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
            raise BenchRunError(
                "only %d of %d triggers dispatched within %g s"
                % (len(self.times), self._target, timeout)
            )


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


def start_sensor(sensor_class, config, recorder, source):
    """SENSOR_CLASS set up with CONFIG and running, once its first watch is connected."""
    from st2lite.sensors.service import SensorService

    service = SensorService(
        "qaeci", sensor_class.__name__, _MemoryDatastore(), recorder.dispatch, _Quiet()
    )
    sensor = sensor_class(service, config=config)
    sensor.setup()
    threading.Thread(target=sensor.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not sensor.watches[0].connected.is_set():
        if time.monotonic() > deadline:
            raise BenchRunError("the sensor did not connect to the %s" % source)
        time.sleep(0.01)
    return sensor


class _Run(object):
    """The commands the measurements send the double, each numbering its events on."""

    def __init__(self, commands, replies, recorder):
        self.commands, self.replies, self.recorder = commands, replies, recorder
        self.next_event = 0

    def measure(self, kind, count, *extra):
        self.recorder.expect(count)
        self.commands.put((kind, self.next_event, count) + extra)
        self.next_event += count
        self.recorder.wait(TIMEOUT)
        return self.replies.get(timeout=TIMEOUT)

    def throughput(self):
        started = self.measure("throughput", THROUGHPUT_EVENTS)
        return THROUGHPUT_EVENTS / (self.recorder.times[-1] - started)

    def latencies(self):
        published = self.measure("paced", LATENCY_EVENTS, LATENCY_RATE)
        return [(done - sent) * 1000.0 for sent, done in zip(published, self.recorder.times)]


def bench_stream(name, double, double_args, start, warm_up, repeats):
    """[(figure, value, unit, met target)] of stream NAME: DOUBLE(*double_args, commands,
    replies) runs in a child process; start(address, recorder) starts the sensor on it;
    warm_up (count, rate) is paced through once before measuring."""
    context = multiprocessing.get_context("spawn")
    commands, replies = context.Queue(), context.Queue()
    child = context.Process(
        target=double, args=tuple(double_args) + (commands, replies), daemon=True
    )
    child.start()
    try:
        recorder = Recorder()
        sensor = start(replies.get(timeout=60), recorder)
        try:
            run = _Run(commands, replies, recorder)
            run.measure("paced", *warm_up)
            rates = [run.throughput() for _ in range(repeats)]
            latencies = [run.latencies() for _ in range(repeats)]
        finally:
            sensor.cleanup()
        return figures(name, max(rates), min(latencies, key=lambda ms: percentile(ms, 99)))
    finally:
        commands.put(("stop",))
        child.join(10)
        if child.is_alive():
            child.terminate()


def figures(name, rate, latencies):
    p99 = percentile(latencies, 99)
    return [
        ("%s_events_per_second" % name, rate, "/s", rate >= TARGET_EVENTS_PER_SECOND),
        ("%s_dispatch_latency_p50" % name, percentile(latencies, 50), "ms", True),
        ("%s_dispatch_latency_p99" % name, p99, "ms", p99 < TARGET_P99_MS),
    ]


def percentile(values, percent):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(percent / 100.0 * len(ordered))) - 1))
    return ordered[index]


def format_value(value):
    return "%.0f" % value if value >= 100 else "%.2f" % value
