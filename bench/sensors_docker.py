"""The Docker events figures of bench/sensors.py: one DockerEventsSensor (one daemon) reading
`die` events as fast as the Docker Engine double (tests/doubles/docker_engine.py) writes them,
each translated and dispatched; and from the double publishing an event at 1,000 events/s to
sensor_service.dispatch() of its trigger. The double runs in a child process, as a real daemon
is another process; for the throughput its events are encoded before the clock starts."""

import os
import shutil
import sys
import tempfile
import time

import sensor_bench
from sensor_bench import BATCH, REPO_ROOT

CONTAINERS = 50


def _daemon(socket_path, commands, replies):
    """Runs the Docker double on SOCKET_PATH with CONTAINERS tasks; obeys sensor_bench's
    commands."""
    sys.path.insert(0, REPO_ROOT)
    from tests.doubles.docker_engine import DockerEngineDouble

    engine = DockerEngineDouble(socket_path=socket_path).start()
    containers = [
        engine.run_task(
            "/qaeci/bench/app%d" % n,
            "qaeci_bench_app%d.instance-%08d._app.1" % (n, n),
            labels={"qaeci.env": "bench", "qaeci.app": "app%d" % n},
        )
        for n in range(CONTAINERS)
    ]

    def die(n):
        return engine.container_event("die", containers[n % CONTAINERS], exitCode=n % 200)

    def write_all(first, count):
        prepared = engine.prepare([die(n) for n in range(first, first + count)])
        started = time.monotonic()
        for start in range(0, count, BATCH):
            engine.publish_prepared(prepared[start : start + BATCH])
        return started

    def wait_for_subscriber():
        while engine.subscribers() < 1:
            time.sleep(0.01)

    replies.put("unix://" + socket_path)
    try:
        sensor_bench.obey(
            commands,
            replies,
            wait_for_subscriber,
            write_all,
            die,
            lambda event: engine.publish([event]),
        )
    finally:
        engine.stop()


def _start_sensor(address, recorder):
    from docker_events_sensor import DockerEventsSensor

    return sensor_bench.start_sensor(
        DockerEventsSensor,
        {"clusters": {"bench": {"docker_hosts": [address]}}},
        recorder,
        "Docker double",
    )


def bench_docker(repeats):
    """[(figure, value, unit, met target)] of the Docker events sensor."""
    directory = tempfile.mkdtemp(prefix="qaeci-bench-")
    try:
        return sensor_bench.bench_stream(
            "docker",
            _daemon,
            [os.path.join(directory, "docker.sock")],
            _start_sensor,
            (CONTAINERS, 200.0),
            repeats,
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)
