"""One cluster as the capacity sensor sees it: on each poll, the Mesos master's allocation
(qaeci.capacity on a sustained level change) and agents (qaeci.agent_change), and Marathon's
launch queue (qaeci.launch_stalled once per stalled launch)."""

import datetime

from qaeci import triggers
from qaeci.sensing import agents as agent_diff
from qaeci.sensing.capacity import LevelTracker, NotLeader, allocations
from qaeci.sensing.http_json import Endpoint, EndpointError, NotJson
from qaeci.sensing.launch_queue import stalled_launches
from qaeci.sensing.retry import RetrySchedule


class ClusterCapacityWatch(object):
    """dispatch(trigger_name, payload); store: a StateStore; problems: EndpointProblems;
    malformed: MalformedEvents."""

    def __init__(self, cluster, settings, dispatch, store, problems, malformed):
        self.cluster = cluster
        self._settings = settings
        self._dispatch = dispatch
        self._store = store
        self._problems = problems
        self._malformed = malformed
        timeout = settings["request_timeout"]
        self._mesos = self._marathon = None
        if cluster.mesos_url:
            self._mesos = Endpoint(
                "Mesos master",
                cluster.mesos_url,
                "clusters.%s.mesos_url" % cluster.name,
                timeout=timeout,
            )
        if cluster.marathon_url:
            self._marathon = Endpoint(
                "Marathon",
                cluster.marathon_url,
                "clusters.%s.marathon_url" % cluster.name,
                auth=cluster.marathon_auth,
                timeout=timeout,
            )
        self._schedules = {}
        self._trackers = self._load_trackers()
        self._agents = None  # loaded on the first successful /master/slaves
        self._announced = None  # stalled launches already announced, "app_id@since"

    # The poll

    def poll(self, now=None):
        now = now or datetime.datetime.now(datetime.timezone.utc)
        if self._mesos is not None:
            self._fetch(self._mesos, "/metrics/snapshot", self._on_metrics)
            self._fetch(self._mesos, "/master/slaves", self._on_slaves)
        if self._marathon is not None:
            self._fetch(self._marathon, "/v2/queue", lambda queue: self._on_queue(queue, now))

    def _fetch(self, endpoint, path, handle):
        """GET endpoint+path and hand the JSON on, unless the endpoint is backing off."""
        key = str(endpoint) + path
        schedule = self._schedules.setdefault(
            key, RetrySchedule(self._settings["retry_first"], self._settings["retry_max"])
        )
        if not schedule.due():
            return
        try:
            document = endpoint.get(path)
        except NotJson as error:
            self._malformed.skip(str(endpoint), path, str(error))
            return
        except EndpointError as error:
            schedule.failed()
            self._problems.failed(str(endpoint), "cluster %s: %s" % (self.cluster.name, error))
            return
        schedule.succeeded()
        self._problems.succeeded(str(endpoint), str(endpoint))
        try:
            handle(document)
            if path == "/metrics/snapshot":
                self._problems.succeeded(str(endpoint) + " leader", "%s as leader" % endpoint)
        except NotLeader:
            self._problems.failed(
                str(endpoint) + " leader",
                (
                    "cluster %s: %s is not the leading master, so its allocation figures are empty; "
                    "fix: point clusters.%s.mesos_url at the leader (or at a name that follows it)"
                    % (self.cluster.name, endpoint, self.cluster.name)
                ),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            self._malformed.skip(str(endpoint), path, "%s: %s" % (type(error).__name__, error))

    # Capacity

    def _state_key(self, name):
        return "%s.%s" % (name, self.cluster.name)

    def _load_trackers(self):
        levels = self._store.load(self._state_key("capacity"), {})
        s = self._settings
        return {
            resource: LevelTracker(
                s["capacity_high"],
                s["capacity_low"],
                s["capacity_hysteresis"],
                int(s["capacity_polls"]),
                level=levels.get(resource, "normal"),
            )
            for resource in triggers.CAPACITY_RESOURCES
        }

    def _on_metrics(self, metrics):
        changed = False
        for resource, allocation in sorted(allocations(metrics).items()):
            change = self._trackers[resource].feed(allocation.ratio)
            if change is None:
                continue
            changed = True
            level, previous = change
            self._dispatch(
                "capacity",
                triggers.capacity(
                    self.cluster.name, resource, level, previous, allocation.used, allocation.total
                ),
            )
        if changed:
            self._store.save(
                self._state_key("capacity"),
                {name: tracker.level for name, tracker in self._trackers.items()},
            )

    # Agents

    def _on_slaves(self, document):
        current = agent_diff.agent_states(document)
        if self._agents is None:
            self._agents = agent_diff.from_json(self._store.load(self._state_key("agents"), {}))
            if not self._agents:  # first sight of this cluster: a baseline, not a change
                self._agents = current
                self._store.save(self._state_key("agents"), agent_diff.to_json(current))
                return
        changes = agent_diff.agent_changes(self._agents, current)
        for change, agent in changes:
            self._dispatch(
                "agent_change",
                triggers.agent_change(
                    self.cluster.name,
                    agent.agent_id,
                    agent.hostname,
                    change,
                    agent.active,
                    agent.resources,
                ),
            )
        self._agents = current
        if changes:
            self._store.save(self._state_key("agents"), agent_diff.to_json(current))

    # Launch queue

    def _on_queue(self, queue, now):
        if self._announced is None:
            self._announced = set(self._store.load(self._state_key("stalled"), []))
        waiting = set()
        for stall in stalled_launches(queue, now, self._settings["launch_stalled_after"]):
            key = "%s@%s" % (stall.app_id, stall.since)
            waiting.add(key)
            if key in self._announced:
                continue
            self._dispatch(
                "launch_stalled",
                triggers.launch_stalled(
                    self.cluster.name,
                    stall.app_id,
                    stall.waiting,
                    stall.waiting_seconds,
                    stall.since,
                    stall.declined,
                    stall.processed,
                    stall.unused,
                    labels=stall.labels,
                ),
            )
        if waiting != self._announced:
            self._announced = waiting
            self._store.save(self._state_key("stalled"), sorted(waiting))
