"""Sensor benchmark: how fast each back end's event sensor ingests its stream, and how long an
event takes from the source to the sensor's trigger dispatch.

Prints `name: value unit` lines and exits 1 when a figure misses its target (2 when a measured
run itself went wrong):

    docker_events_per_second: X /s       one Docker events sensor, one daemon (>= 20000)
    docker_dispatch_latency_p50: X ms    at 1,000 events/s, from the Docker double publishing
    docker_dispatch_latency_p99: X ms    an event to its trigger's dispatch (p99 < 50)
    marathon_events_per_second: X /s     one Marathon event sensor (>= 20000)
    marathon_dispatch_latency_p50: X ms  at 1,000 events/s, from the Marathon double publishing
    marathon_dispatch_latency_p99: X ms  an event to its trigger's dispatch (p99 < 50)

Each stream's double runs in a child process (a real daemon or Marathon is another process too);
dispatch goes through st2lite's SensorService into a recorder (on StackStorm, dispatch hands the
trigger to the message bus). bench/sensor_bench.py holds the measurement both share;
sensors_docker.py and sensors_marathon.py what is particular to each stream.
"""

import argparse
import sys

from sensor_bench import REPEATS, BenchRunError, format_value
from sensors_docker import bench_docker
from sensors_marathon import bench_marathon

BENCHES = {"docker": bench_docker, "marathon": bench_marathon}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        choices=sorted(BENCHES),
        action="append",
        help="run only this stream's figures (repeatable)",
    )
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)
    missed = failed = False
    for name in args.only or sorted(BENCHES):
        try:
            figures = BENCHES[name](max(1, args.repeats))
        except BenchRunError as error:
            print("%s: bench run failed: %s" % (name, error), file=sys.stderr)
            failed = True
            continue
        for figure, value, unit, met in figures:
            print("%s: %s %s" % (figure, format_value(value), unit))
            missed = missed or not met
    return 2 if failed else 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
