"""Which Mesos agents joined, left, were deactivated or reactivated between two /master/slaves
answers. An agent is inactive when `active` is false (disconnected, drained or deactivated) or,
on Mesos >= 1.9, when `deactivated` is true; an agent that is removed (or unreachable) is no
longer listed in `slaves`."""

import collections

AgentState = collections.namedtuple("AgentState", "agent_id hostname active resources")
SCALARS = ("cpus", "mem", "disk")


def agent_states(slaves_document):
    """{agent_id: AgentState} from GET /master/slaves. KeyError/TypeError if malformed."""
    states = {}
    for agent in slaves_document["slaves"]:
        resources = agent.get("resources") or {}
        active = bool(agent.get("active", True)) and not agent.get("deactivated", False)
        states[agent["id"]] = AgentState(
            agent["id"],
            agent.get("hostname"),
            active,
            {name: float(resources[name]) for name in SCALARS if name in resources},
        )
    return states


def agent_changes(before, after):
    """[(change, AgentState)] from one {agent_id: AgentState} to the next, in a stable order."""
    changes = []
    for agent_id in sorted(set(before) | set(after)):
        old, new = before.get(agent_id), after.get(agent_id)
        if old is None:
            changes.append(("joined", new))
        elif new is None:
            changes.append(("left", old._replace(active=False)))
        elif old.active and not new.active:
            changes.append(("deactivated", new))
        elif new.active and not old.active:
            changes.append(("reactivated", new))
    return changes


def to_json(states):
    return {agent_id: [s.hostname, s.active, s.resources] for agent_id, s in states.items()}


def from_json(document):
    return {
        agent_id: AgentState(agent_id, value[0], bool(value[1]), dict(value[2]))
        for agent_id, value in document.items()
    }
