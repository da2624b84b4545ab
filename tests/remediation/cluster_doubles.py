"""One Mesos/Marathon cluster of doubles: the Marathon double (its tasks on loopback agents), the
Mesos master double listing those same agents (ids and host names as Marathon places tasks on
them), each agent's `/files/read` served by one Mesos agent double."""
import json
import urllib.request

from tests.doubles.marathon import MarathonDouble
from tests.doubles.mesos import MesosMasterDouble
from tests.doubles.mesos_agent import MesosAgentDouble
from tests.doubles.payloads import load_json

FRAMEWORK_ID = load_json("marathon", "rest", "info_get.json")["frameworkId"]


class ClusterDoubles(object):
    def __init__(self):
        self.marathon = MarathonDouble(start_delay=0.05).start()
        self.mesos = MesosMasterDouble().start()
        self.agent = MesosAgentDouble().start()
        self._wire_agents()

    def _wire_agents(self):
        """The master lists Marathon's agents (recorded resources), each served by self.agent."""
        known = set(self.mesos.agent_ids())
        for number, (host, agent_id) in enumerate(self.marathon.cluster.agents):
            if agent_id not in known:
                self.mesos.add_agent(agent_id, 10 + number)
        hosts = dict((agent_id, host) for host, agent_id in self.marathon.cluster.agents)
        for agent in self.mesos.agents:  # before any request: nothing reads them yet
            agent["hostname"] = hosts.get(agent["id"], agent["hostname"])
            agent["pid"] = "slave(1)@127.0.0.1:%d" % self.agent.port

    def config(self):
        return {"dev": {"marathon_url": self.marathon.url, "mesos_url": self.mesos.url}}

    def app(self, app_id):
        """Marathon's GET /v2/apps/APP_ID (embedding tasks and the last failure)."""
        url = "%s/v2/apps%s?embed=apps.tasks&embed=apps.lastTaskFailure" % (
            self.marathon.url, app_id)
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read().decode())["app"]

    def put_sandbox(self, agent_id, task_id, stdout="", stderr=""):
        base = "/slaves/%s/frameworks/%s/executors/%s/runs/latest" % (agent_id, FRAMEWORK_ID,
                                                                      task_id)
        self.agent.put(base + "/stdout", stdout)
        self.agent.put(base + "/stderr", stderr)

    def stop(self):
        self.agent.stop()
        self.mesos.stop()
        self.marathon.stop()
