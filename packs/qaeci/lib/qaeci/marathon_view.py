"""What the Marathon event sensor knows of one cluster: its live tasks, their health, and the
deployments running. It decides which news is new, so a state found both by reconciling and in
the events that were queued meanwhile is dispatched once, and never out of order:

- a task's state only moves forward (staging < starting < running|unreachable|killing < ended):
  an older event arriving after a newer snapshot is not news;
- an ended task stays ended (a late event cannot bring it back);
- a deployment is reported started once and ended once.

The view is saved in the sensor's datastore (as JSON) so that a restarted sensor reconciles
against what it had dispatched before, and reports what changed while it was not running.
"""

import collections
import json

from qaeci.triggers import TASK_STATES

RANK = {
    "TASK_STAGING": 0,
    "TASK_STARTING": 1,
    "TASK_RUNNING": 2,
    "TASK_UNREACHABLE": 2,
    "TASK_KILLING": 2,
}
ENDED_RANK = 3  # every other Mesos task state ends the task
LIVE_STATES = tuple(RANK)
ENDED_STATES = tuple(state for state in TASK_STATES if state not in RANK)
REMEMBERED_ENDINGS = 8192  # ended task and deployment ids kept to recognise late events
FORMAT = 1


def is_ended(state):
    return state not in RANK


class Task(collections.namedtuple("Task", "app_id state host ports")):
    """A live task as last reported: app id, Mesos state, agent host, ports."""


class Deployment(collections.namedtuple("Deployment", "version actions")):
    """A running deployment: its target version and {app id: [actions]} of its plan."""

    @property
    def apps(self):
        return sorted(self.actions)


class RecentIds(object):
    """A bounded set: the newest `size` ids added."""

    def __init__(self, size=REMEMBERED_ENDINGS, ids=()):
        self._order = collections.deque()
        self._members = set()
        self._size = size
        for item in ids:
            self.add(item)

    def __contains__(self, item):
        return item in self._members

    def __iter__(self):
        return iter(self._order)

    def add(self, item):
        if item in self._members:
            return
        self._order.append(item)
        self._members.add(item)
        if len(self._order) > self._size:
            self._members.discard(self._order.popleft())


class ClusterView(object):
    def __init__(self):
        self.tasks = {}  # task id -> Task, live tasks only
        self.health = {}  # task id -> starting | healthy | unhealthy
        self.deployments = {}  # deployment id -> Deployment, running ones only
        self.ended_tasks = RecentIds()
        self.ended_deployments = RecentIds()
        self.changed = False  # since the view was last saved

    # -- tasks --------------------------------------------------------------------------------

    def task_update(self, task_id, app_id, state, host, ports):
        """Record a task's state; True when it is news (to be dispatched)."""
        if task_id in self.ended_tasks:
            return False
        known = self.tasks.get(task_id)
        if known is not None:
            if state == known.state or RANK.get(state, ENDED_RANK) < RANK[known.state]:
                return False
        self.changed = True
        if is_ended(state):
            self.tasks.pop(task_id, None)
            self.health.pop(task_id, None)
            self.ended_tasks.add(task_id)
        else:
            self.tasks[task_id] = Task(app_id, state, host or None, list(ports or ()))
        return True

    def tasks_of(self, app_id):
        return sorted(task_id for task_id, task in self.tasks.items() if task.app_id == app_id)

    def task_of_instance(self, instance_id):
        """The task id of a live instance (Marathon task ids are `<instance id>.<name>.<n>`),
        or the instance id itself when no live task is known."""
        prefix = instance_id + "."
        for task_id in self.tasks:
            if task_id.startswith(prefix):
                return task_id
        return instance_id

    # -- health -------------------------------------------------------------------------------

    def health_update(self, task_id, status):
        """Record a task's health; True when it changed."""
        if task_id in self.ended_tasks or self.health.get(task_id) == status:
            return False
        self.health[task_id] = status
        self.changed = True
        return True

    # -- deployments --------------------------------------------------------------------------

    def deployment_seen(self, deployment_id, version, actions):
        """Record a running deployment; True the first time it is seen (it started)."""
        if deployment_id in self.deployments or deployment_id in self.ended_deployments:
            return False
        self.deployments[deployment_id] = Deployment(version, actions)
        self.changed = True
        return True

    def deployment_ended(self, deployment_id):
        """Forget a deployment that ended; False when its end was already recorded."""
        if deployment_id in self.ended_deployments:
            return False
        self.deployments.pop(deployment_id, None)
        self.ended_deployments.add(deployment_id)
        self.changed = True
        return True

    # -- saving -------------------------------------------------------------------------------

    def to_json(self):
        return json.dumps(
            {
                "format": FORMAT,
                "tasks": {task_id: list(task) for task_id, task in self.tasks.items()},
                "health": self.health,
                "deployments": {
                    deployment_id: [deployment.version, deployment.actions]
                    for deployment_id, deployment in self.deployments.items()
                },
                "ended_tasks": list(self.ended_tasks),
                "ended_deployments": list(self.ended_deployments),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text):
        """The view saved by to_json; ValueError when TEXT is not one."""
        saved = json.loads(text)
        if not isinstance(saved, dict) or saved.get("format") != FORMAT:
            raise ValueError("not a saved view of format %d" % FORMAT)
        view = cls()
        view.tasks = {task_id: Task(*fields) for task_id, fields in saved["tasks"].items()}
        view.health = dict(saved["health"])
        view.deployments = {
            deployment_id: Deployment(version, actions)
            for deployment_id, (version, actions) in saved["deployments"].items()
        }
        view.ended_tasks = RecentIds(ids=saved["ended_tasks"])
        view.ended_deployments = RecentIds(ids=saved["ended_deployments"])
        return view
