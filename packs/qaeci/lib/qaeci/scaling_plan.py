"""How many agents a scale out adds, and whether the guards let it: sized from the unmet demand
(the tasks waiting in Marathon's launch queue: their cpus and mem, plus headroom, less what agents
still booting will bring) or, for a resource whose allocation stays high, from what brings it back
under the high threshold (whichever is more), then cut by the guards in this order: cooldown, maximum nodes, maximum
per step; a step above `approval_above` needs a person's yes in chat.

Pure functions of their inputs (no I/O), so each guard is tested on its own."""

import collections
import math

Demand = collections.namedtuple("Demand", "cpus mem tasks")
Plan = collections.namedtuple("Plan", "count wanted needs_approval refused reason")


def queued_demand(queue_document):
    """Demand of every task waiting in a Marathon /v2/queue document (apps and pods)."""
    cpus = mem = 0.0
    tasks = 0
    for entry in (queue_document or {}).get("queue") or []:
        spec = entry.get("app") or entry.get("pod") or {}
        count = int(entry.get("count") or 0)
        tasks += count
        cpus += count * float(spec.get("cpus") or 0)
        mem += count * float(spec.get("mem") or 0)
    return Demand(cpus, mem, tasks)


def nodes_for(demand, agent_resources, headroom, arriving=0):
    """Agents needed for DEMAND plus HEADROOM (a share of it), less ARRIVING agents already on
    their way; never negative."""
    needed = 0
    for resource in ("cpus", "mem"):
        amount = getattr(demand, resource) * (1.0 + headroom)
        needed = max(needed, int(math.ceil(amount / agent_resources[resource] - 1e-9)))
    return max(0, needed - arriving)


def nodes_to_relieve(used, total, target_ratio, agent_amount):
    """Agents of AGENT_AMOUNT that bring a resource's allocation USED/TOTAL down to TARGET_RATIO
    (what a sustained high level asks for even when nothing is queued yet)."""
    if target_ratio <= 0 or used <= 0:
        return 0
    missing = used / target_ratio - total
    return max(0, int(math.ceil(missing / agent_amount - 1e-9)))


def plan_scale_out(settings, wanted, managed, last_scale, now):
    """The step the guards allow for WANTED more agents, MANAGED being this pack's live agents
    and LAST_SCALE the epoch of the last scale out or in (None: never)."""
    if wanted <= 0:
        return Plan(
            0,
            wanted,
            False,
            True,
            "no unmet demand: nothing waits for resources and "
            "no resource is above its high threshold",
        )
    if last_scale is not None and now - last_scale < settings.cooldown:
        return Plan(
            0,
            wanted,
            False,
            True,
            "cooling down: the cluster last scaled %d s ago (scaling.cooldown is %d s); "
            "next scale out after %d s"
            % (now - last_scale, settings.cooldown, settings.cooldown - (now - last_scale)),
        )
    room = settings.max_nodes - managed
    if room <= 0:
        return Plan(
            0,
            wanted,
            False,
            True,
            "at the maximum: %d agents added of scaling.max_nodes %d; left to a person"
            % (managed, settings.max_nodes),
        )
    count = min(wanted, room, settings.max_per_step)
    limits = []
    if count < wanted:
        limits.append(
            "scaling.max_nodes %d" % settings.max_nodes
            if count == room
            else "scaling.max_per_step %d" % settings.max_per_step
        )
    reason = "add %d agent%s for the unmet demand" % (count, "" if count == 1 else "s")
    if limits:
        reason += " (%d wanted, capped by %s)" % (wanted, limits[0])
    needs_approval = count > settings.approval_above
    if needs_approval:
        reason += "; more than scaling.approval_above %d: needs approval in chat" % (
            settings.approval_above
        )
    return Plan(count, wanted, needs_approval, False, reason)
