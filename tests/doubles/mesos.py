"""A Mesos master double: GET /metrics/snapshot and GET /master/slaves (also /slaves, as the
master is libprocess's delegate), built from ../shared/payloads/mesos/.

The metrics start as the recorded master snapshot; the agents are the recorded /master/slaves
agents, renumbered onto loopback addresses (127.0.1.N) so nothing the code does can reach another
host. Test controls change what the master reports: allocation per resource, agents joining,
leaving, deactivated (as Mesos >= 1.9 writes it: `active` false, `deactivated` true, per
src/master/readonly_handler.cpp and master.hpp), leadership, and a broken answer.

MesosMasterDouble(agents=MesosAgents) lists those agents instead (tests/doubles/mesos_agents.py:
the agents the Marathon double's tasks run on, serving their sandboxes), each with the recorded
agent's fields and its own address: `hostname` and `pid` slave(1)@HOST:PORT, `port`.
Maintenance (shaped like ../shared/payloads/mesos/maintenance_*, machine_*_post.json, with the
master's rules from src/master/maintenance.cpp): POST /master/maintenance/schedule replaces the
schedule (a machine that is down must stay in it), POST /master/machine/down takes scheduled
machines down (their agents are shut down: the master lists them no more), POST
/master/machine/up brings down machines back, GET /master/maintenance/status. GET /master/tasks
lists the tasks run_task() started (a machine taken down loses its tasks).
"""

import copy
import json
import threading
import uuid

from tests.doubles.loopback_http import LoopbackHttpDouble, json_response
from tests.doubles.payloads import load_json

RESOURCES = ("cpus", "mem", "disk", "gpus")
MAINTENANCE_PATHS = (
    "/master/maintenance/schedule",
    "/master/maintenance/status",
    "/master/machine/down",
    "/master/machine/up",
)


class MesosMasterDouble(LoopbackHttpDouble):
    def __init__(self, agents=None):
        super(MesosMasterDouble, self).__init__()
        self._lock = threading.Lock()
        self.metrics = load_json("mesos", "metrics_snapshot_master.json")
        recorded = load_json("mesos", "master_slaves.json")
        self._template = recorded["slaves"][0]
        self.agents = []
        self.recovered_agents = recorded["recovered_slaves"]
        if agents is not None:
            self.agents = [self._serving(agent) for agent in agents.agents]
        else:
            for index, agent in enumerate(recorded["slaves"]):
                self.agents.append(self._on_loopback(copy.deepcopy(agent), index + 1))
        self._broken = {}  # path -> raw body served instead of the real answer
        self.tasks = []  # /master/tasks: what run_task() started
        self.schedule = {"windows": []}
        self.down_machines = []  # [{hostname, ip}]
        self._refresh_agent_metrics()

    # HTTP

    def route(self, method, path, query, headers, body):
        with self._lock:
            self.requests.append((method, path))
            if path in MAINTENANCE_PATHS:
                return self._maintenance(method, path, body)
            if method != "GET":
                return 405, {}, b""
            if path in self._broken:
                return 200, {"Content-Type": "application/json"}, self._broken[path]
            if path == "/metrics/snapshot":
                return json_response(200, self.metrics)
            if path == "/master/tasks":
                return json_response(200, {"tasks": self.tasks})
            if path in ("/master/slaves", "/slaves"):
                return json_response(
                    200, {"slaves": self.agents, "recovered_slaves": self.recovered_agents}
                )
        return 404, {}, b""

    # Test controls

    def set_allocation(self, **ratios):
        """set_allocation(cpus=0.9, mem=0.5): master/<r>_used = ratio * master/<r>_total."""
        with self._lock:
            for resource, ratio in ratios.items():
                total = self.metrics["master/%s_total" % resource]
                self.metrics["master/%s_used" % resource] = float(ratio) * total
                self.metrics["master/%s_percent" % resource] = float(ratio) if total else 0.0

    def add_agent(self, agent_id, number):
        """A new agent registers at 127.0.1.<number>, with the recorded agent's resources."""
        with self._lock:
            agent = self._on_loopback(copy.deepcopy(self._template), number)
            agent["id"] = agent_id
            agent["used_resources"] = {name: 0.0 for name in RESOURCES}
            self.agents.append(agent)
            self._refresh_agent_metrics()
            return agent

    def register_agent(self, hostname, attributes=None, resources=None):
        """An agent started on HOSTNAME registers (as mesos-agent does once it is up); its id is
        new, its resources the recorded agent's unless given. Returns the agent."""
        with self._lock:
            agent = copy.deepcopy(self._template)
            agent.update(
                id="%s-S%d" % (uuid.uuid4(), len(self.agents)),
                hostname=hostname,
                pid="slave(1)@%s:%d" % (hostname, agent.get("port", 5051)),
                attributes=dict(attributes or {}),
                active=True,
                deactivated=False,
            )
            if resources:
                agent["resources"] = dict(agent["resources"], **resources)
            agent["used_resources"] = {name: 0.0 for name in RESOURCES}
            self.agents.append(agent)
            self._refresh_agent_metrics()
            return agent

    def set_used(self, hostname, **used):
        """set_used("10.0.0.5", cpus=1, mem=512): tasks now use that much of the agent."""
        with self._lock:
            for agent in self.agents:
                if agent["hostname"] == hostname:
                    agent["used_resources"].update(
                        {key: float(value) for key, value in used.items()}
                    )

    def run_task(self, hostname, labels, cpus=0.5, mem=256.0, name="web.qa1.qaeci"):
        """A task starts on the agent at HOSTNAME (shaped like the recorded master_state task;
        LABELS {key: value}); the agent's used resources grow by its cpus and mem."""
        with self._lock:
            agent = [agent for agent in self.agents if agent["hostname"] == hostname][0]
            task = {
                "id": "%s.instance-%s._app.1" % (name, uuid.uuid4()),
                "name": name,
                "slave_id": agent["id"],
                "state": "TASK_RUNNING",
                "framework_id": "7e3a1c0f-2b1d-4c8e-9f3a-5d6b7c8d9e0f-0001",
                "resources": {"cpus": cpus, "mem": mem},
                "labels": [{"key": key, "value": value} for key, value in labels.items()],
            }
            self.tasks.append(task)
            used = agent["used_resources"]
            used["cpus"] = float(used.get("cpus") or 0) + cpus
            used["mem"] = float(used.get("mem") or 0) + mem
            return task

    def remove_agent(self, agent_id):
        """The agent is removed (or unreachable): the master no longer lists it."""
        with self._lock:
            self.agents = [agent for agent in self.agents if agent["id"] != agent_id]
            self._refresh_agent_metrics()

    def deactivate_agent(self, agent_id):
        self._set_active(agent_id, False)

    def reactivate_agent(self, agent_id):
        self._set_active(agent_id, True)

    def set_elected(self, elected):
        with self._lock:
            self.metrics["master/elected"] = 1.0 if elected else 0.0

    def serve_broken(self, path, raw_body):
        """Answer `path` with raw_body (e.g. b'{"slaves": 5}') until heal()."""
        with self._lock:
            self._broken[path] = raw_body

    def heal(self):
        with self._lock:
            self._broken.clear()

    # Maintenance

    def _maintenance(self, method, path, body):
        document = json.loads(body.decode("utf-8")) if body else None
        if method == "GET" and path == "/master/maintenance/schedule":
            return json_response(200, self.schedule)
        if method == "GET" and path == "/master/maintenance/status":
            return json_response(
                200,
                {
                    "draining_machines": [
                        {"id": machine, "statuses": []}
                        for machine in self._scheduled()
                        if machine not in self.down_machines
                    ],
                    "down_machines": self.down_machines,
                },
            )
        if method != "POST":
            return 405, {}, b""
        if path == "/master/maintenance/schedule":
            machines = [
                machine
                for window in document.get("windows") or []
                for machine in window.get("machine_ids") or []
            ]
            for machine in self.down_machines:
                if machine not in machines:
                    return (
                        400,
                        {},
                        (
                            "Machine '%s' is deactivated and cannot be removed from "
                            "the schedule" % machine["hostname"]
                        ).encode(),
                    )
            self.schedule = document
            return 200, {}, b""
        for machine in document:
            wrong = (
                machine not in self._scheduled()
                if path.endswith("down")
                else machine not in self.down_machines
            )
            if wrong:
                return (
                    400,
                    {},
                    (
                        "Machine '%s' is not %s"
                        % (
                            machine["hostname"],
                            ("part of a maintenance schedule" if path.endswith("down") else "down"),
                        )
                    ).encode(),
                )
        if path.endswith("down"):
            self.down_machines.extend(document)
            hosts = {machine["hostname"] for machine in document}
            gone = {agent["id"] for agent in self.agents if agent["hostname"] in hosts}
            self.agents = [agent for agent in self.agents if agent["id"] not in gone]
            self.tasks = [task for task in self.tasks if task["slave_id"] not in gone]
            self._refresh_agent_metrics()
        else:
            self.down_machines = [
                machine for machine in self.down_machines if machine not in document
            ]
        return 200, {}, b""

    def _scheduled(self):
        return [
            machine
            for window in self.schedule.get("windows") or []
            for machine in window.get("machine_ids") or []
        ]

    # Helpers

    def agent_ids(self):
        with self._lock:
            return [agent["id"] for agent in self.agents]

    def _set_active(self, agent_id, active):
        with self._lock:
            for agent in self.agents:
                if agent["id"] == agent_id:
                    agent["active"] = active
                    agent["deactivated"] = not active
                    if active:
                        agent.pop("drain_info", None)
                        agent.pop("estimated_drain_start_time_seconds", None)
            self._refresh_agent_metrics()

    def _refresh_agent_metrics(self):
        active = sum(1 for agent in self.agents if agent["active"])
        self.metrics["master/slaves_active"] = float(active)
        self.metrics["master/slaves_inactive"] = float(len(self.agents) - active)
        self.metrics["master/slaves_connected"] = float(len(self.agents))

    def _serving(self, agent_double):
        """The recorded agent, as the started agent double AGENT_DOUBLE (id, address, port)."""
        agent = copy.deepcopy(self._template)
        agent.update(
            id=agent_double.agent_id,
            hostname=agent_double.host,
            pid=agent_double.pid,
            port=agent_double.port,
        )
        agent["used_resources"] = {name: 0.0 for name in RESOURCES}
        return agent

    @staticmethod
    def _on_loopback(agent, number):
        address = "127.0.1.%d" % number
        agent["hostname"] = address
        agent["pid"] = "slave(1)@%s:%d" % (address, agent.get("port", 5051))
        return agent
