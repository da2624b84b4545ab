"""What remediation asks a Mesos/Marathon cluster (backend marathon only; the local back end has
no agents): the largest agent's memory and the apps that had tasks on an agent.

Errors reading Mesos are not fatal here: without an answer the memory ceiling is the
configured maximum.
"""

from qaeci.backends import marathon_ids
from qaeci.sensing.http_json import Endpoint, EndpointError
from qaeci.state import environment_names


def on_cluster(context):
    return context.config.backend == "marathon"


def mesos_master(context, deploy_type):
    """An Endpoint on the cluster's Mesos master, or None when clusters.TYPE.mesos_url is unset."""
    cluster = context.config.clusters.get(deploy_type)
    if cluster is None or not cluster.mesos_url:
        return None
    return Endpoint(
        "Mesos master",
        cluster.mesos_url,
        "clusters.%s.mesos_url" % deploy_type,
        timeout=float(context.config.marathon.get("request_timeout", 10)),
    )


def agents(context, deploy_type):
    """The agents the Mesos master lists (/master/slaves), or [] when it cannot tell."""
    master = mesos_master(context, deploy_type) if on_cluster(context) else None
    if master is None:
        return []
    try:
        return master.get("/master/slaves").get("slaves") or []
    except (EndpointError, AttributeError):
        return []


def largest_agent_memory(context, deploy_type):
    """The memory (MB) of the cluster's largest active agent, or None when unknown (local back
    end, no mesos_url, Mesos unreachable)."""
    sizes = [
        float((agent.get("resources") or {}).get("mem") or 0)
        for agent in agents(context, deploy_type)
        if agent.get("active", True)
    ]
    sizes = [size for size in sizes if size > 0]
    return int(max(sizes)) if sizes else None


def apps_on_agent(context, cluster, agent_id, hostname):
    """{env: [app, ...]} of the environments on CLUSTER whose apps run, or last failed, on the
    agent (by id, or by host name)."""
    if not on_cluster(context):
        return {}
    affected = {}
    for env in environment_names(context.datastore):
        record = context.state(env).environment() or {}
        if record.get("deploy_type") != cluster:
            continue
        client = context.backend.client_for(env, required=False)
        for app in client.apps_under(marathon_ids.env_group(env)) if client else []:
            parsed = marathon_ids.parse_app_id(app["id"])
            if parsed and _touches_agent(app, agent_id, hostname):
                affected.setdefault(env, []).append(parsed[1])
    return {env: sorted(apps) for env, apps in affected.items()}


def _touches_agent(app, agent_id, hostname):
    places = [(task.get("slaveId"), task.get("host")) for task in app.get("tasks") or []]
    failure = app.get("lastTaskFailure") or {}
    places.append((failure.get("slaveId"), failure.get("host")))
    return any(
        (agent_id and slave == agent_id) or (hostname and host == hostname)
        for slave, host in places
    )
