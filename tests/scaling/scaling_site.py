"""A cluster to scale, on loopback: the Mesos master double, a Marathon launch queue, the
OpenStack double wired to Mesos, and a device pool whose provision command (a real process)
leaves a note that a simulated spare machine reads to start its agent, as a provisioning
script's ssh + systemctl would."""

import os
import sys
import threading
import time

import yaml
from qaeci import automation, scaling_settings
from qaeci.cluster_config import Cluster
from qaeci.scaling import Scaler

from tests.doubles.marathon_queue import MarathonQueueDouble
from tests.doubles.mesos import MesosMasterDouble
from tests.doubles.openstack import OpenStackDouble

OPENSTACK = {
    "auth_url": None,
    "project": "qaeci",
    "user": "qaeci-bot",
    "password": "s3cret",
    "flavor": "3",
    "image": "70a599e0-31e7-49b7-b260-868f441e862b",
    "network": "ff608d40-75e9-48cb-b745-77bb55b5eaf2",
    "key_name": "qaeci-ops",
    "agent_attributes": {"pool": "burst"},
}
PROVISION = [sys.executable, "-c", "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + '\\n')"]


class Clock(object):
    """Real time plus a shift the test can add (to pass a cooldown without waiting)."""

    def __init__(self):
        self.shift = 0.0

    def __call__(self):
        return time.time() + self.shift


class ScalingSite(object):
    def __init__(self, root, datastore, boot_delay=0.1):
        self.root = root
        self.datastore = datastore
        self.registry = os.path.join(root, "registry")
        self.requests_file = os.path.join(root, "provisioned")
        self.mesos = MesosMasterDouble()
        self.marathon = MarathonQueueDouble()
        self.openstack = OpenStackDouble(self.mesos, boot_delay=boot_delay)
        self.clock = Clock()
        self.section = {}
        self._stop = threading.Event()
        self._machines = threading.Thread(target=self._spare_machines, daemon=True)

    def __enter__(self):
        for double in (self.mesos, self.marathon, self.openstack):
            double.start()
        self._machines.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._machines.join(5)
        for double in (self.openstack, self.marathon, self.mesos):
            double.stop()

    # -- set up ---------------------------------------------------------------------------------
    def write_pool(self, *machines):
        """machines: (name, state) pairs; addresses 127.0.3.N."""
        entries = [
            {"name": name, "address": "127.0.3.%d" % (index + 1), "state": state}
            for index, (name, state) in enumerate(machines)
        ]
        path = os.path.join(self.registry, "pool", "machines.yaml")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            yaml.safe_dump({"machines": entries}, handle)

    def pool(self):
        with open(os.path.join(self.registry, "pool", "machines.yaml")) as handle:
            return {machine["name"]: machine for machine in yaml.safe_load(handle)["machines"]}

    def config(self, **scaling):
        section = {
            "max_nodes": 10,
            "max_per_step": 5,
            "approval_above": 5,
            "cooldown": 600,
            "headroom": 0.0,
            "agent_timeout": 5,
            "poll_interval": 0.02,
            "agent_resources": {"cpus": 4, "mem": 8192},
            "provision_command": PROVISION + [self.requests_file, "{hostname}"],
            "openstack": dict(OPENSTACK, auth_url=self.openstack.url_identity),
        }
        section.update(scaling)
        return {
            "registry_path": self.registry,
            "scaling": section,
            "clusters": {"dev": {"mesos_url": self.mesos.url, "marathon_url": self.marathon.url}},
        }

    def scaler(self, target_ratio=0.8, **scaling):
        values = self.config(**scaling)
        settings = scaling_settings.read(values)
        guard = automation.Guard.from_config(self.datastore, values, "scaling", self.clock)
        cluster = Cluster("dev", self.marathon.url, None, self.mesos.url, ())
        return Scaler(
            settings,
            cluster,
            self.datastore,
            self.registry,
            guard,
            clock=self.clock,
            target_ratio=target_ratio,
        )

    def queue(self, app_id, count, cpus=1.0, mem=1024.0):
        entry = self.marathon.queue_app(app_id, "2026-12-05T10:00:00.000Z", count=count)
        entry["app"].update(cpus=cpus, mem=mem)

    # -- simulated spare machines ---------------------------------------------------------------
    def _spare_machines(self):
        started = set()
        while not self._stop.wait(0.02):
            try:
                with open(self.requests_file) as handle:
                    hosts = [line.strip() for line in handle if line.strip()]
            except FileNotFoundError:
                continue
            for host in hosts:
                if host not in started:
                    started.add(host)
                    self.mesos.register_agent(host, {"pool": "spare"})
