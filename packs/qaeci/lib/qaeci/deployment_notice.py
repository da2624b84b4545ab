"""The chat message the `deployment_failed_notify` rule posts when a deployment of one of our
apps failed: environment, app, Marathon's reason, the app's last task failure, and the links
people open next (the Marathon UI, the Mesos sandbox, Kibana, Grafana), rendered from the pack
config's `links` URL templates (qaeci.links: by name, e.g. `console`, `sandbox`, `logs`,
`metrics`).

Marathon is asked for what the trigger does not carry (the failed task, its agent, the framework
id the sandbox link needs, the commit). A Marathon that does not answer makes the message
shorter, never absent: a failure must reach people even when the cluster is in trouble.

Pack config: `notify.channel`, the chat channel the message goes to (chatops.post_message).
"""
from qaeci import links
from qaeci.backends import marathon_ids
from qaeci.backends.base import BackendError
from qaeci.backends.marathon_client import MarathonClient
from qaeci.errors import ConfigError


def notice(config, values, cluster, env, app, app_id=None, deployment_id=None, reason=None,
           client=None):
    """{"channel", "message", "links"} for a failed deployment. config: PackConfig; values:
    the raw pack config (links, notify)."""
    channel = ((values or {}).get("notify") or {}).get("channel")
    if not channel:
        raise ConfigError("notify.channel is not set; fix: set notify.channel in the pack config "
                          "to the chat channel where deployment failures are posted")
    app_id = app_id or _app_id(env, app)
    facts = _facts(config, cluster, app_id, client)
    placeholders = {"env": env, "app": app, "deploy_type": cluster, "domain": config.domain,
                    "app_id": app_id, "commit": facts.get("commit"),
                    "task_id": facts.get("task_id"), "agent_id": facts.get("agent_id"),
                    "framework_id": facts.get("framework_id"), "host": facts.get("host"),
                    "url": facts.get("url")}
    rendered = links.render((values or {}).get("links") or {}, placeholders)
    lines = ["Deployment of %s in %s failed (cluster %s): %s"
             % (app, env, cluster, reason or "Marathon gave no reason")]
    if facts.get("failure"):
        lines.append("last task failure: %s" % facts["failure"])
    if facts.get("unknown"):
        lines.append("(no details: %s)" % facts["unknown"])
    if deployment_id:
        lines.append("deployment: %s" % deployment_id)
    lines += ["%s: %s" % (name, url) for name, url in sorted(rendered.items())]
    return {"channel": channel, "message": "\n".join(lines), "links": rendered}


def _app_id(env, app):
    try:
        return marathon_ids.app_id(env, app)
    except BackendError:
        return None


def _facts(config, cluster, app_id, client):
    """What Marathon says of the app now: failure line, task/agent/framework ids, host, commit."""
    settings = config.clusters.get(cluster)
    if client is None and not (settings and settings.marathon_url):
        return {"unknown": "cluster %s has no marathon_url in the pack config" % cluster}
    client = client or MarathonClient(cluster, settings.marathon_url, settings.marathon_auth,
                                      settings.marathon_ca_file,
                                      float(config.marathon.get("request_timeout", 10)))
    try:
        app = client.app(app_id) if app_id else None
        framework_id = (client.info() or {}).get("frameworkId")
    except BackendError as error:
        return {"unknown": str(error)}
    facts = {"framework_id": framework_id}
    if app is None:
        return facts
    labels = app.get("labels") or {}
    facts["commit"] = labels.get("qaeci.commit")
    vhost = labels.get("HAPROXY_0_VHOST")
    if vhost:
        port = int(config.marathon.get("lb_port", 80))
        facts["url"] = "http://%s%s/" % (vhost, "" if port == 80 else ":%d" % port)
    failure = app.get("lastTaskFailure") or {}
    if failure:
        facts.update(task_id=failure.get("taskId"), agent_id=failure.get("slaveId"),
                     host=failure.get("host"),
                     failure="%s on %s: %s" % (failure.get("state"), failure.get("host"),
                                               failure.get("message") or "no message"))
    return facts
