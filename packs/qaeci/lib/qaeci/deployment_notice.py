"""What the failed-deployment report (rule `deployment_failed_notify`, remediation kind
`deployment_failed`) says besides the log and the links: environment, app, cluster, Marathon's
reason, the app's last task failure and the deployment id, and the facts its links need (the
failed task, its agent, the framework id of the sandbox link, the commit, the app's URL).

Marathon is asked for what the trigger does not carry. A Marathon that does not answer makes the
message shorter, never absent: a failure must reach people even when the cluster is in trouble.
"""

from qaeci.backends import marathon_ids
from qaeci.backends.base import BackendError
from qaeci.backends.marathon_client import MarathonClient


def app_id_of(env, app):
    """Marathon's id of the app (/qaeci/ENV/APP), or None when the names make none."""
    try:
        return marathon_ids.app_id(env, app)
    except BackendError:
        return None


def headline(env, app, cluster, reason, deployment_id, facts):
    """The report's first lines: what failed, why, the last task failure, the deployment."""
    lines = [
        "Deployment of %s in %s failed (cluster %s): %s"
        % (app, env, cluster, reason or "Marathon gave no reason")
    ]
    if facts.get("failure"):
        lines.append("last task failure: %s" % facts["failure"])
    if facts.get("unknown"):
        lines.append("(no details: %s)" % facts["unknown"])
    if deployment_id:
        lines.append("deployment: %s" % deployment_id)
    return lines


def facts(config, cluster, app_id, client=None):
    """What Marathon says of the app now: {failure, unknown, commit, url, and the link ids
    task_id, agent_id, framework_id, host}, each only when known. config: PackConfig."""
    settings = config.clusters.get(cluster)
    if client is None and not (settings and settings.marathon_url):
        return {"unknown": "cluster %s has no marathon_url in the pack config" % cluster}
    client = client or MarathonClient(
        cluster,
        settings.marathon_url,
        settings.marathon_auth,
        settings.marathon_ca_file,
        float(config.marathon.get("request_timeout", 10)),
    )
    try:
        app = client.app(app_id) if app_id else None
        found = {"framework_id": (client.info() or {}).get("frameworkId")}
    except BackendError as error:
        return {"unknown": str(error)}
    if app is not None:
        found.update(_app_facts(config, app))
    return {name: value for name, value in found.items() if value}


def _app_facts(config, app):
    labels = app.get("labels") or {}
    found = {"commit": labels.get("qaeci.commit")}
    vhost = labels.get("HAPROXY_0_VHOST")
    if vhost:
        port = int(config.marathon.get("lb_port", 80))
        found["url"] = "http://%s%s/" % (vhost, "" if port == 80 else ":%d" % port)
    failure = app.get("lastTaskFailure") or {}
    if failure:
        found.update(
            task_id=failure.get("taskId"),
            agent_id=failure.get("slaveId"),
            host=failure.get("host"),
            failure="%s on %s: %s"
            % (failure.get("state"), failure.get("host"), failure.get("message") or "no message"),
        )
    return found
