"""What scaling asks of the Mesos master: the agents it lists (to see a new one register and
whether an old one is empty), and the maintenance primitives that take a machine out cleanly:
a schedule window first (frameworks are told and stop placing tasks there), then machine/down.
"""

import json
import time
import urllib.error
import urllib.request

from qaeci.errors import QaeciError

NANOS = 1000000000
LIVE_TASK_STATES = ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING")


class MesosError(QaeciError):
    """One line: which request, what the master said."""


class MesosMaster(object):
    def __init__(self, url, config_key, timeout=10.0):
        self.url = url.rstrip("/")
        self.config_key = config_key
        self.timeout = timeout

    def agents(self):
        return self._call("GET", "/master/slaves")["slaves"]

    def tasks(self):
        """Every live task the master knows (/master/tasks, all of them, not its first 100)."""
        found = self._call("GET", "/master/tasks?limit=1000000")["tasks"]
        return [task for task in found if task.get("state") in LIVE_TASK_STATES]

    def agent_on(self, hostname):
        """The registered, active agent whose hostname is HOSTNAME, or None."""
        for agent in self.agents():
            if agent.get("hostname") == hostname and agent.get("active", True):
                return agent
        return None

    def wait_for_agent(self, hostname, timeout, interval, clock=time.time, sleep=time.sleep):
        """The agent once it has registered; None when TIMEOUT seconds pass first."""
        deadline = clock() + timeout
        while True:
            agent = self.agent_on(hostname)
            if agent is not None or clock() >= deadline:
                return agent
            sleep(min(interval, max(0.0, deadline - clock())))

    def schedule_maintenance(self, machines, now, duration=3600):
        """Add a window starting now for MACHINES ([{hostname, ip}]) to the schedule (kept)."""
        schedule = self._call("GET", "/master/maintenance/schedule") or {}
        windows = [
            window for window in schedule.get("windows") or [] if not _overlaps(window, machines)
        ]
        windows.append(
            {
                "machine_ids": machines,
                "unavailability": {
                    "start": {"nanoseconds": int(now * NANOS)},
                    "duration": {"nanoseconds": int(duration * NANOS)},
                },
            }
        )
        self._call("POST", "/master/maintenance/schedule", {"windows": windows})

    def unschedule(self, machines):
        schedule = self._call("GET", "/master/maintenance/schedule") or {}
        windows = [
            window for window in schedule.get("windows") or [] if not _overlaps(window, machines)
        ]
        self._call("POST", "/master/maintenance/schedule", {"windows": windows})

    def machine_down(self, machines):
        self._call("POST", "/master/machine/down", machines)

    def machine_up(self, machines):
        self._call("POST", "/master/machine/up", machines)

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Accept": "application/json", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            text = " ".join(error.read().decode("utf-8", "replace").split())[:200]
            raise MesosError(
                "Mesos master %s %s: HTTP %d %s" % (method, path, error.code, text)
            ) from error
        except (urllib.error.URLError, OSError) as error:
            raise MesosError(
                "Mesos master %s is unreachable (%s); fix: check %s"
                % (self.url, getattr(error, "reason", error), self.config_key)
            ) from error
        try:
            return json.loads(payload) if payload.strip() else None
        except ValueError as error:
            raise MesosError(
                "Mesos master answered %s with something that is not JSON; fix: "
                "check that %s is the master itself" % (path, self.config_key)
            ) from error


def machine_id(hostname, address):
    return {"hostname": hostname, "ip": address or hostname}


def _overlaps(window, machines):
    names = {machine["hostname"] for machine in machines}
    return any(machine.get("hostname") in names for machine in window.get("machine_ids") or [])


def is_empty(agent):
    """True when nothing runs on the agent (no resources used by any task)."""
    used = agent.get("used_resources") or {}
    return all(float(used.get(name) or 0) == 0 for name in ("cpus", "mem"))


def movable(task):
    """True for a task of one of our environments' apps (Marathon relaunches it on another agent
    once its machine is down); False for a base service (its data lives on that agent) and for
    tasks this pack does not know."""
    labels = {label.get("key"): label.get("value") for label in task.get("labels") or []}
    return (
        bool(labels.get("qaeci.env") and labels.get("qaeci.app")) and "qaeci.service" not in labels
    )


def free(agent):
    """{cpus, mem} not allocated on AGENT."""
    total, used = agent.get("resources") or {}, agent.get("used_resources") or {}
    return {
        name: float(total.get(name) or 0) - float(used.get(name) or 0) for name in ("cpus", "mem")
    }
