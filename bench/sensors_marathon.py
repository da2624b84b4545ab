"""The Marathon event stream figures of bench/sensors.py: one MarathonEventsSensor reading
status_update_events as fast as the Marathon double (tests/doubles/marathon.py) writes them,
each parsed, translated and dispatched; and from the double publishing an event at 1,000
events/s to sensor_service.dispatch() of its trigger. The double runs in a child process, as a
real Marathon is another process. For the throughput its frames are encoded before the clock
starts and written 500 at a time; for the latency each event goes through the double's own
event bus, one at a time. Every event is news (each task goes staging, starting, running,
killed), so every one is dispatched."""

import json
import sys
import time

import sensor_bench
from sensor_bench import BATCH, REPO_ROOT

STATES = ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLED")


def _status_event(template, n):
    """The Nth status_update_event body: task after task, each through STATES."""
    task, state = divmod(n, len(STATES))
    app = "/qaeci/bench/app%d" % (task % 50)
    return dict(
        template,
        taskId="%s.instance-%08d._app.1" % (app[1:].replace("/", "_"), task),
        appId=app,
        taskStatus=STATES[state],
        host="127.0.0.2",
        ipAddresses=[],
        ports=[31000 + task % 1000],
    )


def _frame(event):
    return (
        "event: status_update_event\r\ndata: %s\r\n\r\n" % json.dumps(event, separators=(",", ":"))
    ).encode("utf-8")


def _marathon(commands, replies):
    """Runs the Marathon double; obeys sensor_bench's commands."""
    sys.path.insert(0, REPO_ROOT)
    from tests.doubles.marathon import MarathonDouble, event_template

    marathon = MarathonDouble(heartbeat_interval=1.0, max_outstanding=1024).start()
    template = event_template("status_update_event_TASK_RUNNING")

    def write_all(first, count):
        frames = [_frame(_status_event(template, n)) for n in range(first, first + count)]
        batches = [b"".join(frames[start : start + BATCH]) for start in range(0, count, BATCH)]
        started = time.monotonic()
        for batch in batches:
            marathon.send_frames(batch)
        return started

    def publish(event):
        marathon.cluster.publish("status_update_event", event)

    def wait_for_subscriber():
        while not marathon.cluster.streams:
            time.sleep(0.01)

    replies.put(marathon.url)
    try:
        sensor_bench.obey(
            commands,
            replies,
            wait_for_subscriber,
            write_all,
            lambda n: _status_event(template, n),
            publish,
        )
    finally:
        marathon.stop()


def _start_sensor(url, recorder):
    from marathon_events_sensor import MarathonEventsSensor

    return sensor_bench.start_sensor(
        MarathonEventsSensor,
        {"clusters": {"bench": {"marathon_url": url}}},
        recorder,
        "Marathon double",
    )


def bench_marathon(repeats):
    """[(figure, value, unit, met target)] of the Marathon event sensor."""
    return sensor_bench.bench_stream(
        "marathon", _marathon, [], _start_sensor, (400, 2000.0), repeats
    )
