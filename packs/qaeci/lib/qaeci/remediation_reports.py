"""Reports that leave an app as it is (action remediate_diagnose): a failed deployment or a
flapping app, posted once with the tail of its logs and its links, secrets masked.

Logs: on a cluster, the tail of the failed task's Mesos sandbox (stdout and stderr, read from
its agent's /files/read); on the local back end, the tail of the app's log. Links: the pack
config's `links` templates, as `env info` renders them, with the failed task's ids.
"""
from qaeci import app_info, automation, links, redact, remediation_cluster, sandbox
from qaeci.errors import QaeciError
from qaeci.remediation_settings import RemediationSettings


def diagnose(context, answer):
    """{"message", "log_tail", "log_of", "links", "channel"} for remediate_decide's ANSWER (a
    report decision); the message is recorded as the decision's announcement."""
    settings = RemediationSettings(context.config.values)
    env, app = answer["env"], answer["app"]
    info = _app_info(context, env, app, settings.log_lines)
    logs = {"log_tail": info.get("log_tail") or "", "log_of": info.get("log_of"),
            "ids": info.get("ids") or {}, "note": None}
    if remediation_cluster.on_cluster(context) and not app.startswith("svc."):
        logs = sandbox.task_logs(context, env, app, settings.log_lines)
    values = dict({key: info.get(key) for key in links.PLACEHOLDERS}, env=env, app=app,
                  domain=context.config.domain)
    values.update(logs["ids"])
    rendered = links.render(context.config.links, values)
    message = redact.masker_for(context, env)(_message(answer, rendered, logs))
    guard = automation.Guard(context.datastore, settings.guard)
    guard.settle(automation.find(context.datastore, answer["key"], answer["id"]),
                 announcement=message)
    return {"message": message, "log_tail": logs["log_tail"], "log_of": logs["log_of"],
            "links": rendered, "channel": settings.chat_channel}


def _app_info(context, env, app, log_lines):
    """What env info knows of the app ({} for a base service or an app it does not know)."""
    try:
        return app_info.app_info(context, env, app, log_lines=log_lines)
    except QaeciError:
        return {}


def _message(answer, rendered, logs):
    headline = answer["plan"].get("headline") or answer.get("reason") or answer["key"]
    lines = [headline]
    if answer.get("decision") in ("skipped", "escalated") and \
            (answer.get("reason") or "") not in headline:
        lines.append("decision: %s" % answer["reason"])
    if rendered:
        lines.append(" | ".join("%s: %s" % (name, url) for name, url in sorted(rendered.items())))
    if logs["log_tail"].strip():
        lines.append("%s log, last lines:\n```\n%s\n```" % (
            logs["log_of"] or "app", logs["log_tail"].strip()))
    else:
        lines.append("no log to show%s" % (": " + logs["note"] if logs.get("note") else ""))
    return "\n".join(lines)
