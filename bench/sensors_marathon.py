"""Marathon event sensor benchmark: how fast one sensor ingests Marathon's event stream, and how
long an event takes from Marathon publishing it to the sensor dispatching its trigger.

Prints `name: value unit` lines and exits 1 when a figure misses its target (2 when a measured
run itself went wrong):

    marathon_events_per_second: X /s     one MarathonEventsSensor reading status_update_events
                                         as fast as the Marathon double writes them, each parsed,
                                         translated and dispatched (>= 20000)
    marathon_dispatch_latency_p50: X ms  at 1,000 events/s, from the double publishing an event
    marathon_dispatch_latency_p99: X ms  to sensor_service.dispatch() of its trigger (p99 < 50)

The Marathon double (tests/doubles/marathon.py) runs in a child process, as a real Marathon is
another process: writing the stream does not share the sensor's interpreter lock. For the
throughput its frames are encoded before the clock starts and written 500 at a time; for the
latency each event goes through the double's own event bus, one at a time. Every event is news
(each task goes staging, starting, running, killed), so every one is dispatched. Dispatch goes
through st2lite's SensorService into a recorder (on StackStorm, dispatch hands the trigger to
the message bus). Latencies compare time.monotonic() across the two processes (one system-wide
clock on Linux). Each figure is the best of REPEATS runs: on a shared machine other processes
only add time.

bench/sensors.py imports bench_marathon() as one more entry of its table.
"""
import argparse
import json
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
STATES = ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLED")

TARGET_EVENTS_PER_SECOND = 20000.0
TARGET_P99_MS = 50.0


class BenchRunError(Exception):
    """A measured run did not do what it measures: one line."""


# --- the Marathon double, in its own process ----------------------------------------------------

def _status_events(template, first, count):
    """COUNT status_update_event bodies: task after task, each through STATES."""
    events = []
    for n in range(first, first + count):
        task, state = divmod(n, len(STATES))
        app = "/qaeci/bench/app%d" % (task % 50)
        body = dict(template, taskId="%s.instance-%08d._app.1" % (app[1:].replace("/", "_"),
                                                                    task),
                    appId=app, taskStatus=STATES[state], host="127.0.0.2",
                    ipAddresses=[], ports=[31000 + task % 1000])
        events.append(body)
    return events


def _frames(events):
    return [("event: status_update_event\r\ndata: %s\r\n\r\n"
             % json.dumps(event, separators=(",", ":"))).encode("utf-8") for event in events]


def _marathon(commands, replies):
    """Runs the Marathon double; obeys ("throughput", first, n) and ("paced", first, n, rate)."""
    sys.path.insert(0, REPO_ROOT)
    from tests.doubles.marathon import MarathonDouble, event_template
    marathon = MarathonDouble(heartbeat_interval=1.0, max_outstanding=1024).start()
    template = event_template("status_update_event_TASK_RUNNING")
    replies.put(marathon.url)
    while True:
        command = commands.get()
        if command[0] == "stop":
            marathon.stop()
            return
        while not marathon.cluster.streams:
            time.sleep(0.01)
        events = _status_events(template, command[1], command[2])
        if command[0] == "throughput":
            replies.put(_write_all(marathon, _frames(events)))
        elif command[0] == "paced":
            replies.put(_publish_paced(marathon, events, command[3]))


def _write_all(marathon, frames):
    batches = [b"".join(frames[start:start + BATCH]) for start in range(0, len(frames), BATCH)]
    started = time.monotonic()
    for batch in batches:
        marathon.send_frames(batch)
    return started


def _publish_paced(marathon, events, rate):
    times = []
    started = time.monotonic()
    for n, event in enumerate(events):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        times.append(time.monotonic())
        marathon.cluster.publish("status_update_event", event)
    return times


# --- the sensor, in this process ---------------------------------------------------------------

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


def start_sensor(url, recorder):
    from marathon_events_sensor import MarathonEventsSensor
    from st2lite.sensors.service import SensorService
    service = SensorService("qaeci", "MarathonEventsSensor", _MemoryDatastore(),
                            recorder.dispatch, _Quiet())
    sensor = MarathonEventsSensor(service, config={"clusters": {"bench": {"marathon_url": url}}})
    sensor.setup()
    threading.Thread(target=sensor.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not sensor.watches[0].connected.is_set():
        if time.monotonic() > deadline:
            raise BenchRunError("the sensor did not connect to the Marathon double")
        time.sleep(0.01)
    return sensor


class _Run(object):
    """The double's process and the commands the measurements send it."""

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


def bench_marathon(repeats=REPEATS):
    """[(figure, value, unit, met target)] of the Marathon event sensor."""
    context = multiprocessing.get_context("spawn")
    commands, replies = context.Queue(), context.Queue()
    marathon = context.Process(target=_marathon, args=(commands, replies), daemon=True)
    marathon.start()
    try:
        url = replies.get(timeout=60)
        recorder = Recorder()
        sensor = start_sensor(url, recorder)
        try:
            run = _Run(commands, replies, recorder)
            run.measure("paced", 400, 2000.0)     # warm-up
            rates = [run.throughput() for _ in range(repeats)]
            latencies = [run.latencies() for _ in range(repeats)]
        finally:
            sensor.cleanup()
        best = min(latencies, key=lambda values: percentile(values, 99))
        return [("marathon_events_per_second", max(rates), "/s",
                 max(rates) >= TARGET_EVENTS_PER_SECOND),
                ("marathon_dispatch_latency_p50", percentile(best, 50), "ms", True),
                ("marathon_dispatch_latency_p99", percentile(best, 99), "ms",
                 percentile(best, 99) < TARGET_P99_MS)]
    finally:
        commands.put(("stop",))
        marathon.join(10)
        if marathon.is_alive():
            marathon.terminate()


def percentile(values, percent):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(percent / 100.0 * len(ordered))) - 1))
    return ordered[index]


def format_value(value):
    return "%.0f" % value if value >= 100 else "%.2f" % value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)
    try:
        figures = bench_marathon(max(1, args.repeats))
    except BenchRunError as error:
        print("marathon: bench run failed: %s" % error, file=sys.stderr)
        return 2
    for figure, value, unit, _ in figures:
        print("%s: %s %s" % (figure, format_value(value), unit))
    return 0 if all(met for _, _, _, met in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
