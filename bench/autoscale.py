"""Autoscaling benchmark: a demand ramp against the Mesos, Marathon-queue and OpenStack doubles,
driven through the pack's scaling library exactly as the scaling rules drive it.

Prints `name: value unit` lines and exits 1 when a figure misses its target (2 when the run
itself went wrong):

    scale_out_latency_beyond_boot: X s   worst wave: from tasks queued beyond what the cluster
                                         holds to every queued task running, less the simulated
                                         server boot time (< 5)
    peak_nodes_beyond_need: N nodes      agents added at the peak beyond the fewest that hold the
                                         peak demand (<= 1: the headroom may round up one)
    scale_out_actions: N                 scale outs that added agents
    scale_in_actions: N                  scale ins that removed an agent
    scale_ins_per_cooldown_max: N        most scale ins within any one cooldown (<= 1: no flapping)

The ramp: a cluster of BASE_AGENTS 4-cpu agents; a first wave of tasks two agents short, a second
wave that needs four more, then the demand ends and the added agents are drained. Tasks are 1
cpu / 1024 MB; a placement loop stands in for Marathon (it starts a queued task on any agent with
room) and a controller loop stands in for the capacity sensor and the rules: a launch waiting
STALL_AFTER seconds asks for a scale out (plan, then apply), a low allocation held for LOW_POLLS
polls asks for a scale in. The pool holds one spare machine (it becomes an agent as soon as its
provision command has run); the rest are OpenStack servers, ACTIVE after BOOT_SECONDS.

And, for a burst of OOM kills (`--only oom_burst`):

    oom_burst_remediations: N            remediations that acted on OOM_BURST `container_oom`
                                         events of one app, all dispatched at once as a sensor
                                         does (== OOM_CAP, the configured max_per_hour)

The burst runs on the remediation tests' site (tests/remediation/remediation_site.py): an
st2lite state with the qaeci pack, an environment of one app on the local back end, and the
triggers dispatched through st2lite's runtime; run it with the venv's python, whose st2lite it
uses.
"""

import argparse
import math
import os
import shutil
import sys
import tempfile
import threading
import time

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACK = os.path.join(REPO_ROOT, "packs", "qaeci")
sys.path[:0] = [REPO_ROOT, os.path.join(PACK, "lib"), os.path.join(REPO_ROOT, "tests", "sensors")]

from memory_datastore import MemoryDatastore  # noqa: E402
from qaeci import automation, scaling_settings  # noqa: E402
from qaeci.cluster_config import Cluster  # noqa: E402
from qaeci.scaling import Scaler  # noqa: E402

from tests.doubles.marathon_queue import MarathonQueueDouble  # noqa: E402
from tests.doubles.mesos import MesosMasterDouble  # noqa: E402
from tests.doubles.openstack import OpenStackDouble  # noqa: E402

BASE_AGENTS = 2
AGENT = {"cpus": 4.0, "mem": 8192.0}
TASK = {"cpus": 1.0, "mem": 1024.0}
WAVES = (10, 16)  # tasks queued per wave (the second on top of the first)
BOOT_SECONDS = 1.0
COOLDOWN = 1.5
STALL_AFTER = 0.2
POLL = 0.05
LOW_POLLS = 3
DRAIN_SECONDS = 6 * COOLDOWN
TIMEOUT = 60.0

TARGET_LATENCY = 5.0
TARGET_BEYOND_NEED = 1
TARGET_SCALE_INS_PER_COOLDOWN = 1
OOM_BURST = 100
OOM_CAP = 3  # remediation.max_per_hour on the burst's site
OOM_BURST_TIMEOUT = 600.0  # seconds: a bound, not a measure
REMEDIATION_HELPERS = [
    os.path.join(REPO_ROOT, "tests", folder) for folder in ("", "qaeci", "remediation")
]
PROVISION = [sys.executable, "-c", "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + '\\n')"]


class BenchRunError(Exception):
    """The run did not do what it measures: one line."""


class SimulatedCluster(object):
    """The doubles, the placement of queued tasks, and the spare machine that boots on request."""

    def __init__(self, root):
        self.root = root
        self.mesos = MesosMasterDouble()
        self.mesos.agents = []
        self.marathon = MarathonQueueDouble()
        self.openstack = OpenStackDouble(self.mesos, boot_delay=BOOT_SECONDS)
        self.requests = os.path.join(root, "provisioned")
        self.registry = os.path.join(root, "registry")
        os.makedirs(os.path.join(self.registry, "pool"))
        with open(os.path.join(self.registry, "pool", "machines.yaml"), "w") as handle:
            yaml.safe_dump(
                {"machines": [{"name": "spare-1", "address": "127.0.3.1", "state": "spare"}]},
                handle,
            )
        self.lock = threading.Lock()
        self.waiting = 0  # tasks queued, not yet placed
        self.running = {}  # hostname -> tasks
        self.stop = threading.Event()

    def start(self):
        for double in (self.mesos, self.marathon, self.openstack):
            double.start()
        for number in range(BASE_AGENTS):
            self.mesos.register_agent("127.0.1.%d" % (number + 1), resources=dict(AGENT))
        self.threads = [
            threading.Thread(target=loop, daemon=True)
            for loop in (self._place, self._spare_machine)
        ]
        for thread in self.threads:
            thread.start()

    def close(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(5)
        for double in (self.openstack, self.marathon, self.mesos):
            double.stop()

    def queue(self, tasks):
        with self.lock:
            self.waiting += tasks
            self._publish_queue()

    def end_demand(self):
        with self.lock:
            self.waiting = 0
            self._publish_queue()
            for host in self.running:
                self.running[host] = 0
                self.mesos.set_used(host, cpus=0, mem=0)

    def queued(self):
        with self.lock:
            return self.waiting

    def allocation(self):
        agents = list(self.mesos.agents)
        total = sum(agent["resources"]["cpus"] for agent in agents)
        used = sum(agent["used_resources"]["cpus"] for agent in agents)
        return used / total if total else 0.0

    def _publish_queue(self):
        if self.waiting:
            entry = self.marathon.queue_app(
                "/qaeci/bench/web", "2026-12-05T10:00:00.000Z", count=self.waiting
            )
            entry["app"].update(TASK)
        else:
            self.marathon.launched("/qaeci/bench/web")

    def _place(self):
        while not self.stop.wait(POLL / 2):
            with self.lock:
                for agent in list(self.mesos.agents):
                    host = agent["hostname"]
                    room = int(agent["resources"]["cpus"] // TASK["cpus"]) - self.running.get(
                        host, 0
                    )
                    start = min(room, self.waiting)
                    if start > 0:
                        self.running[host] = self.running.get(host, 0) + start
                        self.waiting -= start
                        self.mesos.set_used(
                            host,
                            cpus=self.running[host] * TASK["cpus"],
                            mem=self.running[host] * TASK["mem"],
                        )
                self._publish_queue()

    def _spare_machine(self):
        started = set()
        while not self.stop.wait(POLL / 2):
            try:
                with open(self.requests) as handle:
                    hosts = [line.strip() for line in handle if line.strip()]
            except FileNotFoundError:
                continue
            for host in set(hosts) - started:
                started.add(host)
                self.mesos.register_agent(host, resources=dict(AGENT))


def scaler_for(cluster, datastore):
    values = {
        "registry_path": cluster.registry,
        "scaling": {
            "max_nodes": 10,
            "max_per_step": 6,
            "approval_above": 10,
            "cooldown": COOLDOWN,
            "headroom": 0.0,
            "agent_timeout": 20,
            "poll_interval": POLL,
            "max_per_hour": 100,
            "agent_resources": dict(AGENT),
            "provision_command": PROVISION + [cluster.requests, "{hostname}"],
            "openstack": {
                "auth_url": cluster.openstack.url_identity,
                "project": "qaeci",
                "user": "qaeci-bot",
                "password": "s3cret",
                "flavor": "3",
                "image": "70a599e0-31e7-49b7-b260-868f441e862b",
                "network": "ff608d40-75e9-48cb-b745-77bb55b5eaf2",
            },
        },
    }
    settings = scaling_settings.read(values)
    guard = automation.Guard.from_config(datastore, values, "scaling")
    return Scaler(
        settings,
        Cluster("dev", cluster.marathon.url, None, cluster.mesos.url, ()),
        datastore,
        cluster.registry,
        guard,
    )


class Controller(object):
    """The capacity sensor + rules, in one loop: stalled launches scale out, a held low
    allocation scales in."""

    def __init__(self, cluster, scaler):
        self.cluster, self.scaler = cluster, scaler
        self.scale_outs, self.scale_ins = [], []  # (time, count)
        self.waiting_since = None
        self.low_polls = 0

    def tick(self):
        now = time.monotonic()
        if self.cluster.queued():
            self.low_polls = 0
            self.waiting_since = self.waiting_since or now
            if now - self.waiting_since >= STALL_AFTER:
                self._scale_out()
            return
        self.waiting_since = None
        self.low_polls = self.low_polls + 1 if self.cluster.allocation() <= 0.2 else 0
        if self.low_polls >= LOW_POLLS:
            self.low_polls = 0
            if self.scaler.scale_in({"cluster": "dev", "level": "low"})["removed"]:
                self.scale_ins.append(time.monotonic())

    def _scale_out(self):
        trigger = {"cluster": "dev", "level": "high"}
        plan = self.scaler.plan_out(trigger)
        if plan["count"]:
            report = self.scaler.scale_out(plan["count"], trigger)
            if report["failed"]:
                raise BenchRunError(report["message"].replace("\n", "; "))
            if report["added"]:
                self.scale_outs.append((time.monotonic(), len(report["added"])))


def wait_all_running(cluster, controller, deadline):
    while cluster.queued():
        controller.tick()
        if time.monotonic() > deadline:
            raise BenchRunError("%d tasks still queued after %.0f s" % (cluster.queued(), TIMEOUT))
        time.sleep(POLL)
    return time.monotonic()


def ramp():
    root = tempfile.mkdtemp(prefix="bench-autoscale-")
    cluster = SimulatedCluster(root)
    cluster.start()
    try:
        return run_ramp(cluster)
    finally:
        cluster.close()
        shutil.rmtree(root, ignore_errors=True)


def run_ramp(cluster):
    scaler = scaler_for(cluster, MemoryDatastore())
    controller = Controller(cluster, scaler)
    deadline = time.monotonic() + TIMEOUT
    latencies, peak_added, total = [], 0, 0
    for tasks in WAVES:
        total += tasks
        started = time.monotonic()
        cluster.queue(tasks)
        done = wait_all_running(cluster, controller, deadline)
        booted = any(moment >= started for moment, _ in controller.scale_outs)
        latencies.append(done - started - (BOOT_SECONDS if booted else 0.0))
        peak_added = max(peak_added, len(cluster.mesos.agents) - BASE_AGENTS)
    need = max(0, int(math.ceil(total * TASK["cpus"] / AGENT["cpus"])) - BASE_AGENTS)
    cluster.end_demand()
    drain_until = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < drain_until:
        controller.tick()
        time.sleep(POLL)
    return [
        ("scale_out_latency_beyond_boot", max(latencies), "s", max(latencies) < TARGET_LATENCY),
        (
            "peak_nodes_beyond_need",
            peak_added - need,
            "nodes",
            peak_added - need <= TARGET_BEYOND_NEED,
        ),
        ("scale_out_actions", len(controller.scale_outs), "", True),
        ("scale_in_actions", len(controller.scale_ins), "", True),
        (
            "scale_ins_per_cooldown_max",
            most_within(controller.scale_ins, COOLDOWN),
            "",
            most_within(controller.scale_ins, COOLDOWN) <= TARGET_SCALE_INS_PER_COOLDOWN,
        ),
    ]


def most_within(moments, window):
    """The most of MOMENTS falling within any WINDOW seconds (a window closed on the left)."""
    return max(
        [len([other for other in moments if start <= other < start + window]) for start in moments]
        or [0]
    )


def oom_burst():
    """OOM_BURST OOM kills of one app against remediation.max_per_hour = OOM_CAP."""
    sys.path.extend(path for path in REMEDIATION_HELPERS if path not in sys.path)
    from remediation_site import Site, oom_payload

    root = tempfile.mkdtemp(prefix="bench-oom-burst-")
    site = Site(root, remediation={"max_per_hour": OOM_CAP})
    try:
        site.env_up("qa1", apps="api")
        kills = [oom_payload("qa1", "api", 40000 + number) for number in range(OOM_BURST)]
        remediations = site.fire_burst("qaeci.container_oom", kills, timeout=OOM_BURST_TIMEOUT)
    except AssertionError as error:
        raise BenchRunError(
            str(error).splitlines()[0] if str(error) else "a step failed"
        ) from error
    finally:
        site.close()
        shutil.rmtree(root, ignore_errors=True)
    if len(remediations) != OOM_BURST:
        raise BenchRunError(
            "%d of %d OOM events started a remediation" % (len(remediations), OOM_BURST)
        )
    acted = len([execution for execution in remediations if _decision(execution) == "acted"])
    return [("oom_burst_remediations", acted, "", acted == OOM_CAP)]


def _decision(execution):
    return (((execution.get("result") or {}).get("output") or {}).get("decision") or {}).get(
        "decision"
    )


BENCHES = {"ramp": ramp, "oom_burst": oom_burst}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(BENCHES), action="append")
    args = parser.parse_args(argv)
    missed = False
    for name in args.only or sorted(BENCHES):
        try:
            figures = BENCHES[name]()
        except BenchRunError as error:
            print("%s: bench run failed: %s" % (name, error), file=sys.stderr)
            return 2
        for figure, value, unit, met in figures:
            print(("%s: %s %s" % (figure, _format(value), unit)).rstrip())
            missed = missed or not met
    return 1 if missed else 0


def _format(value):
    return "%d" % value if isinstance(value, int) else "%.2f" % value


if __name__ == "__main__":
    sys.exit(main())
