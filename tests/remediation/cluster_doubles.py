"""One Mesos/Marathon cluster of doubles: the Mesos agents (each task's sandbox, served by
`/state` and `/files/read`), the Marathon double whose tasks run on them, and the Mesos master
double listing them (tests/doubles/mesos_agents.py)."""

import json
import urllib.request

from tests.doubles.marathon import MarathonDouble
from tests.doubles.mesos import MesosMasterDouble
from tests.doubles.mesos_agents import FRAMEWORK_ID, MesosAgents  # noqa: F401 (for the tests)


class ClusterDoubles(object):
    def __init__(self):
        self.agents = MesosAgents().start()
        self.marathon = MarathonDouble(start_delay=0.05, mesos=self.agents).start()
        self.mesos = MesosMasterDouble(agents=self.agents).start()

    def config(self):
        return {"dev": {"marathon_url": self.marathon.url, "mesos_url": self.mesos.url}}

    def app(self, app_id):
        """Marathon's GET /v2/apps/APP_ID (embedding tasks and the last failure)."""
        url = "%s/v2/apps%s?embed=apps.tasks&embed=apps.lastTaskFailure" % (
            self.marathon.url,
            app_id,
        )
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read().decode())["app"]

    def write_sandbox(self, task_id, stdout="", stderr=""):
        """The task writes these lines to its sandbox's stdout and stderr."""
        sandbox = self.agents.sandbox(task_id)
        for name, text in (("stdout", stdout), ("stderr", stderr)):
            if text:
                sandbox.write(name, text)

    def stop(self):
        self.mesos.stop()
        self.marathon.stop()
        self.agents.stop()
