"""Scale a Mesos cluster out and in with agents this pack adds: spare machines of the device pool
first, then OpenStack servers; and only those agents are ever taken away again.

    scaler = Scaler.from_context(context)                # the pack config's scaling section
    plan = scaler.plan_out(trigger)                      # sized from the launch queue + guards
    report = scaler.scale_out(plan["count"])             # after approval when plan needs it
    report = scaler.scale_in()

Every decision goes through qaeci.automation's guard (key "cluster/<name>": hourly cap, dry run,
decision log); each method returns a dict with a one-line-per-fact `message` for chat.
"""

import time
import uuid

from qaeci import agent_bootstrap, automation, scaling_plan, scaling_settings
from qaeci.cluster_config import read_clusters, sensor_settings
from qaeci.device_pool import DevicePool, PoolError, hostname_of
from qaeci.errors import ConfigError, QaeciError
from qaeci.mesos_maintenance import MesosMaster, free, is_empty, machine_id, movable
from qaeci.openstack_nodes import OpenStackNodes, fault, fixed_address
from qaeci.scaling_records import ACTIVE, BOOTING, DRAINING, FAILED, REQUESTED, ScalingRecords
from qaeci.sensing.capacity import allocations
from qaeci.sensing.http_json import Endpoint, EndpointError

POOL, OPENSTACK = "pool", "openstack"


class Scaler(object):
    def __init__(
        self,
        settings,
        cluster,
        datastore,
        registry_path,
        guard,
        clock=time.time,
        sleep=time.sleep,
        openstack=None,
        target_ratio=0.8,
    ):
        self.settings = settings
        self.target_ratio = target_ratio  # where a high allocation is brought back to
        self.cluster = cluster
        self.records = ScalingRecords(datastore, cluster.name)
        self.pool = DevicePool.from_settings(registry_path, settings)
        self.mesos = MesosMaster(cluster.mesos_url, "clusters.%s.mesos_url" % cluster.name)
        self.openstack = openstack or (
            OpenStackNodes(settings.openstack) if settings.openstack else None
        )
        self.guard = guard
        self.clock = clock
        self.sleep = sleep

    @classmethod
    def from_context(cls, context, **overrides):
        values = context.config.values
        settings = scaling_settings.read(values)
        guard = automation.Guard.from_config(
            context.datastore, values, "scaling", overrides.get("clock", time.time)
        )
        sensors = sensor_settings(values)
        overrides.setdefault(
            "target_ratio", sensors["capacity_high"] - sensors["capacity_hysteresis"]
        )
        return cls(
            settings,
            _cluster(values, settings),
            context.datastore,
            context.config.registry_path,
            guard,
            **overrides,
        )

    @property
    def key(self):
        return "cluster/%s" % self.cluster.name

    # -- scale out ------------------------------------------------------------------------------
    def plan_out(self, trigger=None, count=None):
        """The step for TRIGGER (sized from the launch queue) or for COUNT agents a person asked
        for in chat (then the cooldown and the approval do not apply: a person decided)."""
        if trigger and trigger.get("cluster") not in (None, self.cluster.name):
            return self._refused(
                "trigger is about cluster %s; scaling.cluster is %s"
                % (trigger.get("cluster"), self.cluster.name),
                trigger,
            )
        arriving = len(self.records.nodes((REQUESTED, BOOTING)))
        if count is None:
            demand = scaling_plan.queued_demand(self._queue())
            wanted = max(
                scaling_plan.nodes_for(
                    demand, self.settings.agent_resources, self.settings.headroom, arriving
                ),
                self._relief(trigger) - arriving,
            )
            last = self.records.last("scale_out")
        else:
            wanted, last = int(count), None
        plan = scaling_plan.plan_scale_out(
            self.settings, wanted, self._managed(), last, self.clock()
        )
        if count is not None and plan.needs_approval:
            plan = plan._replace(needs_approval=False, reason=plan.reason.split(";")[0])
        if plan.refused:
            return self._refused(plan.reason, trigger, wanted=plan.wanted)
        return {
            "count": plan.count,
            "wanted": plan.wanted,
            "needs_approval": plan.needs_approval,
            "refused": False,
            "reason": plan.reason,
            "cluster": self.cluster.name,
            "channel": self.settings.chat_channel,
            "message": "%s: %s" % (self.cluster.name, plan.reason),
        }

    def _relief(self, trigger):
        """Agents that bring a resource reported high (a qaeci.capacity payload) back under the
        threshold; 0 for other triggers and resources agents are not sized by."""
        resource = (trigger or {}).get("resource")
        if (trigger or {}).get("level") != "high" or resource not in self.settings.agent_resources:
            return 0
        return scaling_plan.nodes_to_relieve(
            float(trigger.get("used") or 0),
            float(trigger.get("total") or 0),
            self.target_ratio,
            self.settings.agent_resources[resource],
        )

    def deny(self, plan, responder=None):
        """Log that a person said no to PLAN in chat."""
        reason = "not done: %s; denied in chat%s" % (
            plan["reason"].split(";")[0],
            " by %s" % responder if responder else "",
        )
        self.guard.skip(self.key, reason, kind="scale_out", action=plan["reason"])
        return {
            "added": [],
            "failed": [],
            "decision": "skipped",
            "channel": self.settings.chat_channel,
            "message": "%s: %s" % (self.cluster.name, reason),
        }

    def scale_out(self, count, trigger=None):
        """Add COUNT agents (pool first, then OpenStack) within the guard; wait for each to
        register. Returns {added, failed, decision, message}."""
        last = self.records.last("scale_out")
        if trigger and last is not None and self.clock() - last < self.settings.cooldown:
            return self._refused(
                "not done: another scale out started %d s ago (scaling.cooldown "
                "is %d s)" % (self.clock() - last, self.settings.cooldown),
                trigger,
            )
        room = self.settings.max_nodes - self._managed()  # again: an approval may have waited
        if room <= 0:
            return self._refused(
                "not done: at the maximum: %d agents added of scaling.max_nodes "
                "%d" % (self._managed(), self.settings.max_nodes),
                trigger,
            )
        count = min(count, room)
        decision = self.guard.decide(
            self.key,
            "add %d agent%s to %s" % (count, "" if count == 1 else "s", self.cluster.name),
            trigger,
            kind="scale_out",
        )
        if not decision.acts:
            return {
                "added": [],
                "failed": [],
                "decision": decision.outcome,
                "channel": self.settings.chat_channel,
                "message": "%s: %s" % (self.cluster.name, decision.reason),
            }
        self.records.mark("scale_out", self.clock())
        lines = []
        nodes = self._from_pool(count, lines)
        ready = len([node for node in nodes if node["state"] == ACTIVE])
        nodes += self._from_openstack(count - ready, lines)  # also for pool machines that failed
        added = [node for node in nodes if node["state"] == ACTIVE]
        failed = [node for node in nodes if node["state"] == FAILED]
        self.guard.settle(
            decision,
            "failed" if failed else "succeeded",
            "%d added, %d failed" % (len(added), len(failed)),
        )
        head = "%s: added %d of %d agent%s" % (
            self.cluster.name,
            len(added),
            count,
            "" if count == 1 else "s",
        )
        if added:
            head += " (%s)" % ", ".join(
                "%s %s" % (node["source"], node["hostname"]) for node in added
            )
        if self.settings.prewarm_images and added:
            lines.append("pre-warmed with %s" % ", ".join(self.settings.prewarm_images))
        return {
            "added": added,
            "failed": failed,
            "decision": decision.outcome,
            "channel": self.settings.chat_channel,
            "message": "\n".join([head] + lines),
        }

    def _from_pool(self, count, lines):
        nodes = []
        for machine in self.pool.take(self.cluster.name, count):
            node = self.records.save(
                {
                    "name": machine["name"],
                    "source": POOL,
                    "state": REQUESTED,
                    "server_id": None,
                    "address": machine.get("address"),
                    "hostname": hostname_of(machine),
                    "agent_id": None,
                    "added": self.clock(),
                    "detail": None,
                }
            )
            try:
                self.pool.provision(machine, self._bootstrap_values())
            except (PoolError, ConfigError) as error:
                if isinstance(error, ConfigError):  # the command never ran: the machine is fine
                    self.pool.untake(machine["name"])
                self.records.update(node, state=FAILED, detail=str(error))
                lines.append("✗ %s" % error)
                nodes.append(node)
                continue
            self.records.update(node, state=BOOTING)
            nodes.append(self._await_agent(node, lines))
        return nodes

    def _from_openstack(self, count, lines):
        if count <= 0:
            return []
        if self.openstack is None:
            lines.append(
                "✗ %d more wanted, but the pool has no spare machine and "
                "scaling.openstack is not set" % count
            )
            return []
        nodes = self._create_servers(count, lines)
        booting = [node for node in nodes if node["state"] == BOOTING]
        self._await_active(booting, lines)
        for node in booting:
            if node["state"] == BOOTING:
                self._await_agent(node, lines)
        lines.extend(self._reconcile_servers())
        return nodes

    def _create_servers(self, count, lines):
        nodes = []
        user_data = agent_bootstrap.user_data(
            self._master(), self._attributes(), self.settings.prewarm_images
        )
        for _ in range(count):
            name = "%s-%s-%s" % (
                self.settings.openstack.name_prefix,
                self.cluster.name,
                uuid.uuid4().hex[:8],
            )
            node = self.records.save(
                {
                    "name": name,
                    "source": OPENSTACK,
                    "state": REQUESTED,
                    "server_id": None,
                    "address": None,
                    "hostname": None,
                    "agent_id": None,
                    "added": self.clock(),
                    "detail": None,
                }
            )
            nodes.append(node)
            try:
                self.records.update(
                    node,
                    server_id=self.openstack.create(name, self.cluster.name, user_data),
                    state=BOOTING,
                )
            except QaeciError as error:
                self.records.update(node, state=FAILED, detail=str(error))
                lines.append("✗ OpenStack refused server %d of %d: %s" % (len(nodes), count, error))
                break  # quota, flavor, network: the next request would fail alike
        return nodes

    def _await_active(self, nodes, lines):
        deadline = self.clock() + self.settings.agent_timeout
        waiting = list(nodes)
        while waiting:
            for node in list(waiting):
                if self._server_settled(node, lines):
                    waiting.remove(node)
            if not waiting:
                return
            if self.clock() >= deadline:
                for node in waiting:
                    self._discard(
                        node,
                        "not ACTIVE within scaling.agent_timeout %d s"
                        % self.settings.agent_timeout,
                        lines,
                    )
                return
            self.sleep(self.settings.poll_interval)

    def _server_settled(self, node, lines):
        """True once the server is ACTIVE (address known) or gone to ERROR (then deleted)."""
        try:
            server = self.openstack.get(node["server_id"])
        except QaeciError as error:
            self._discard(node, str(error), lines)
            return True
        if server.get("status") == "ERROR":
            self._discard(node, "Nova put it in ERROR: %s" % fault(server), lines)
            return True
        if server.get("status") != "ACTIVE":
            return False
        address = fixed_address(server)
        self.records.update(node, address=address, hostname=address)
        return True

    def _await_agent(self, node, lines):
        agent = self.mesos.wait_for_agent(
            node["hostname"],
            self.settings.agent_timeout,
            self.settings.poll_interval,
            self.clock,
            self.sleep,
        )
        if agent is None:
            self._discard(
                node,
                "its agent did not register with Mesos within "
                "scaling.agent_timeout %d s" % self.settings.agent_timeout,
                lines,
            )
            return node
        return self.records.update(node, state=ACTIVE, agent_id=agent["id"])

    def _discard(self, node, why, lines):
        """A node that will not become an agent: delete its server / flag its machine, record."""
        cleanup = self._remove_machine(node, failed=why)
        self.records.update(node, state=FAILED, detail="%s; %s" % (why, cleanup))
        lines.append("✗ %s: %s; %s" % (node["name"], why, cleanup))

    def _reconcile_servers(self):
        """Delete tagged servers of this cluster that no live record names (say a create that
        answered with an error after Nova had accepted it), so none is left unaccounted for."""
        try:
            servers = self.openstack.tagged(self.cluster.name)
        except QaeciError as error:
            return ["✗ could not list servers to check for strays: %s" % error]
        known = {node.get("server_id") for node in self.records.nodes()}
        lines = []
        for server in servers:
            if server["id"] not in known:
                try:
                    self.openstack.delete(server["id"])
                    lines.append(
                        "deleted stray server %s (%s)" % (server.get("name"), server["id"])
                    )
                except QaeciError as error:
                    lines.append(
                        "✗ stray server %s (%s) not deleted: %s; delete it by hand"
                        % (server.get("name"), server["id"], error)
                    )
        return lines

    # -- scale in -------------------------------------------------------------------------------
    def scale_in(self, trigger=None):
        """Take one empty agent this pack added out of the cluster (OpenStack servers before pool
        machines, newest first), never below scaling.min_nodes, at most once per cooldown."""
        refusal = self._scale_in_refusal()
        if refusal:
            return self._refused(refusal, trigger, kind="scale_in")
        node, moving = self._drainable_node()
        if node is None:
            return self._refused(
                "no agent this pack added is empty or runs only tasks that can "
                "move to room elsewhere",
                trigger,
                kind="scale_in",
            )
        decision = self.guard.decide(
            self.key,
            "remove agent %s (%s) from %s" % (node["hostname"], node["source"], self.cluster.name),
            trigger,
            kind="scale_in",
        )
        if not decision.acts:
            return {
                "removed": [],
                "decision": decision.outcome,
                "channel": self.settings.chat_channel,
                "message": "%s: %s" % (self.cluster.name, decision.reason),
            }
        self.records.mark("scale_in", self.clock())
        return self._drain(node, decision, moving)

    def _scale_in_refusal(self):
        managed = self._managed()
        if managed <= self.settings.min_nodes:
            return "at the minimum: %d agent%s added, scaling.min_nodes is %d" % (
                managed,
                "" if managed == 1 else "s",
                self.settings.min_nodes,
            )
        last = max(
            [
                moment
                for moment in (self.records.last("scale_in"), self.records.last("scale_out"))
                if moment
            ]
            or [None]
        )
        if last is not None and self.clock() - last < self.settings.cooldown:
            return "cooling down: the cluster last scaled %d s ago (scaling.cooldown is %d s)" % (
                self.clock() - last,
                self.settings.cooldown,
            )
        return None

    def _drainable_node(self):
        """(node, tasks that will move) for the agent to take out: an empty one first, else one
        whose tasks can all move (apps, never base services) into room the other agents have;
        OpenStack servers before pool machines, newest first. (None, None) when there is none."""
        agents = {agent["id"]: agent for agent in self.mesos.agents()}
        candidates = [
            node for node in self.records.nodes((ACTIVE,)) if node.get("agent_id") in agents
        ]
        candidates.sort(key=lambda node: (node["source"] == POOL, -(node.get("added") or 0)))
        busy = [node for node in candidates if not is_empty(agents[node["agent_id"]])]
        for node in candidates:
            if node not in busy:
                return node, []
        tasks = self.mesos.tasks() if busy else []
        for node in busy:
            moving = self._movable_tasks(agents, node["agent_id"], tasks)
            if moving is not None:
                return node, moving
        return None, None

    @staticmethod
    def _movable_tasks(agents, agent_id, tasks):
        """The agent's tasks if all can move and the other agents have room for what they use;
        None otherwise (a base service, a task of another framework, unknown usage)."""
        own = [task for task in tasks if task.get("slave_id") == agent_id]
        if not own or not all(movable(task) for task in own):
            return None
        used = agents[agent_id].get("used_resources") or {}
        room = {"cpus": 0.0, "mem": 0.0}
        for other_id, agent in agents.items():
            if other_id != agent_id and agent.get("active", True):
                for name, amount in free(agent).items():
                    room[name] += max(0.0, amount)
        if any(float(used.get(name) or 0) > room[name] for name in room):
            return None
        return own

    def _drain(self, node, decision, moving):
        machines = [machine_id(node["hostname"], node.get("address"))]
        self.records.update(node, state=DRAINING)
        self.mesos.schedule_maintenance(machines, self.clock())
        if self._landed_meanwhile(node, moving):  # before the window held frameworks off
            self.mesos.unschedule(machines)
            self.records.update(node, state=ACTIVE)
            self.guard.settle(decision, "failed", "a task started on it meanwhile; kept")
            return {
                "removed": [],
                "decision": decision.outcome,
                "channel": self.settings.chat_channel,
                "message": "%s: kept %s: a "
                "task started on it meanwhile" % (self.cluster.name, node["hostname"]),
            }
        self.mesos.machine_down(machines)
        cleanup = self._remove_machine(node)
        self.mesos.machine_up(machines)  # out of maintenance: a returned machine may rejoin later
        self.mesos.unschedule(machines)
        self.records.forget(node)
        self.guard.settle(decision, "succeeded", cleanup)
        what = "empty agent" if not moving else "agent"
        moved = (
            ""
            if not moving
            else " (%d task%s of %s moved: Marathon starts them elsewhere)"
            % (
                len(moving),
                "" if len(moving) == 1 else "s",
                ", ".join(sorted({task.get("name", task["id"]) for task in moving})),
            )
        )
        return {
            "removed": [node],
            "decision": decision.outcome,
            "channel": self.settings.chat_channel,
            "message": "%s: removed %s %s (%s)%s: maintenance scheduled, machine down, %s"
            % (self.cluster.name, what, node["hostname"], node["source"], moved, cleanup),
        }

    def _landed_meanwhile(self, node, moving):
        """True when a task the plan did not count started on the agent before its window."""
        agent = self.mesos.agent_on(node["hostname"])
        if agent is None or is_empty(agent):
            return False
        planned = {task["id"] for task in moving}
        now = [task["id"] for task in self.mesos.tasks() if task.get("slave_id") == agent["id"]]
        return not planned or any(task_id not in planned for task_id in now)

    def _remove_machine(self, node, failed=None):
        """Delete the node's server, or give its machine back to the pool (flag it broken when
        it FAILED to become an agent). Returns what was done, in words."""
        try:
            if node["source"] == OPENSTACK:
                if not node.get("server_id"):
                    return "no server was created"
                self.openstack.delete(node["server_id"])
                return "server %s deleted" % node["server_id"]
            if failed:
                self.pool.mark_broken(node["name"], failed)
                return "machine marked broken in the pool inventory"
            self.pool.give_back(node["name"], self._bootstrap_values())
            return "machine returned to the pool"
        except QaeciError as error:
            return "✗ cleanup failed (%s): fix it by hand" % error

    # -- capacity -------------------------------------------------------------------------------
    def capacity(self):
        """Per resource (total, used, ratio) and the agents by source."""
        metrics = Endpoint(
            "Mesos master", self.cluster.mesos_url, "clusters.%s.mesos_url" % self.cluster.name
        ).get("/metrics/snapshot")
        resources = {
            name: {"total": found.total, "used": found.used, "ratio": found.ratio}
            for name, found in allocations(metrics).items()
        }
        ours = {node.get("agent_id"): node["source"] for node in self.records.nodes((ACTIVE,))}
        by_source = {"cluster": 0, POOL: 0, OPENSTACK: 0}
        for agent in self.mesos.agents():
            by_source[ours.get(agent["id"], "cluster")] += 1
        return {
            "cluster": self.cluster.name,
            "resources": resources,
            "agents": by_source,
            "booting": len(self.records.nodes((REQUESTED, BOOTING))),
        }

    # -- helpers --------------------------------------------------------------------------------
    def _refused(self, reason, trigger, wanted=0, kind="scale_out"):
        self.guard.skip(self.key, reason, trigger, kind=kind)
        return {
            "count": 0,
            "wanted": wanted,
            "needs_approval": False,
            "refused": True,
            "reason": reason,
            "cluster": self.cluster.name,
            "removed": [],
            "added": [],
            "channel": self.settings.chat_channel,
            "decision": "skipped",
            "message": "%s: %s" % (self.cluster.name, reason),
        }

    def _managed(self):
        return len(self.records.nodes())

    def _queue(self):
        if not self.cluster.marathon_url:
            raise ConfigError(
                "clusters.%s has no marathon_url, so the launch queue cannot size "
                "a scale out; fix: set it" % self.cluster.name
            )
        try:
            return Endpoint(
                "Marathon",
                self.cluster.marathon_url,
                "clusters.%s.marathon_url" % self.cluster.name,
                auth=self.cluster.marathon_auth,
            ).get("/v2/queue")
        except EndpointError as error:
            raise QaeciError(str(error)) from error

    def _master(self):
        configured = self.settings.openstack and self.settings.openstack.mesos_master
        return configured or self.cluster.mesos_url.split("://", 1)[-1]

    def _attributes(self):
        return dict(self.settings.openstack.agent_attributes) if self.settings.openstack else {}

    def _bootstrap_values(self):
        return {
            "master": self._master(),
            "attributes": agent_bootstrap.attributes_text(self._attributes()),
            "images": ",".join(self.settings.prewarm_images),
            "cluster": self.cluster.name,
        }


def _cluster(values, settings):
    clusters, problems = read_clusters(values)
    if problems:
        raise ConfigError(problems[0])
    named = {cluster.name: cluster for cluster in clusters}
    if not named:
        raise ConfigError(
            "scaling needs a cluster, and clusters is empty; fix: add clusters: "
            "{dev: {mesos_url: ..., marathon_url: ...}} to the pack config"
        )
    name = clusters[0].name if settings.cluster is None and len(named) == 1 else settings.cluster
    if name not in named:
        raise ConfigError(
            "scaling.cluster is %r, not one of the clusters (%s); fix: set it to the"
            " deploy type to scale" % (settings.cluster, ", ".join(sorted(named)))
        )
    cluster = named[name]
    if not cluster.mesos_url:
        raise ConfigError(
            "clusters.%s has no mesos_url; fix: set it, scaling needs the Mesos "
            "master" % cluster.name
        )
    return cluster
