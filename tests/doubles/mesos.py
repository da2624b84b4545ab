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
"""
import copy
import threading

from tests.doubles.loopback_http import LoopbackHttpDouble, json_response
from tests.doubles.payloads import load_json

RESOURCES = ("cpus", "mem", "disk", "gpus")


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
        self._refresh_agent_metrics()

    # HTTP

    def route(self, method, path, query, headers, body):
        with self._lock:
            self.requests.append((method, path))
            if method != "GET":
                return 405, {}, b""
            if path in self._broken:
                return 200, {"Content-Type": "application/json"}, self._broken[path]
            if path == "/metrics/snapshot":
                return json_response(200, self.metrics)
            if path in ("/master/slaves", "/slaves"):
                return json_response(200, {"slaves": self.agents,
                                           "recovered_slaves": self.recovered_agents})
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
        agent.update(id=agent_double.agent_id, hostname=agent_double.host, pid=agent_double.pid,
                     port=agent_double.port)
        agent["used_resources"] = {name: 0.0 for name in RESOURCES}
        return agent

    @staticmethod
    def _on_loopback(agent, number):
        address = "127.0.1.%d" % number
        agent["hostname"] = address
        agent["pid"] = "slave(1)@%s:%d" % (address, agent.get("port", 5051))
        return agent
