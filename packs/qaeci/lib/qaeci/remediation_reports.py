"""Reports that leave an app as it is (action remediate_diagnose): a failed deployment (rule
deployment_failed_notify) or a flapping app, posted once with the tail of its logs and its
links, secrets masked.

Logs: what the back end gives as the app's log tail (Backend.app_info): on a cluster the failed
task's own stdout and stderr from its Mesos sandbox (backends/mesos_sandbox.py), locally the
tail of the app's log. Links: the pack config's `links` templates, as `env info` renders them,
with the failed task's ids. A failed deployment's report starts with deployment_notice's lines.
"""

from qaeci import app_info, automation, deployment_notice, links, redact
from qaeci.backends.base import BackendError
from qaeci.errors import QaeciError
from qaeci.remediation_settings import RemediationSettings


def diagnose(context, answer):
    """{"message", "log_tail", "log_of", "links", "channel"} for remediate_decide's ANSWER (a
    report decision); the message is recorded as the decision's announcement."""
    settings = RemediationSettings(context.config.values)
    env, app, plan = answer["env"], answer["app"], answer["plan"]
    info = _app_info(context, env, app, settings.log_lines)
    values = dict(
        {key: info.get(key) for key in links.PLACEHOLDERS},
        env=env,
        app=app,
        domain=context.config.domain,
    )
    values.update(info.get("ids") or {})
    if plan.get("topic") == "deployment_failed":
        headline = _deployment_headline(context, env, app, plan, values)
    else:
        headline = [plan.get("headline") or answer.get("reason") or answer["key"]]
    rendered = links.render(context.config.links, values)
    message = redact.masker_for(context, env)(_message(answer, headline, rendered, info))
    guard = automation.Guard(context.datastore, settings.guard)
    guard.settle(
        automation.find(context.datastore, answer["key"], answer["id"]), announcement=message
    )
    return {
        "message": message,
        "log_tail": info.get("log_tail") or "",
        "log_of": info.get("log_of"),
        "links": rendered,
        "channel": settings.chat_channel,
    }


def _deployment_headline(context, env, app, plan, values):
    """deployment_notice's lines; what Marathon tells of the failed task fills link VALUES the
    app's own info left empty."""
    app_id = plan.get("app_id") or deployment_notice.app_id_of(env, app)
    facts = dict(
        deployment_notice.facts(context.config, plan.get("cluster"), app_id),
        app_id=app_id,
        deploy_type=plan.get("cluster"),
    )
    for name in links.PLACEHOLDERS:
        if facts.get(name) and not values.get(name):
            values[name] = facts[name]
    return deployment_notice.headline(
        env, app, plan.get("cluster"), plan.get("reason"), plan.get("deployment_id"), facts
    )


def _app_info(context, env, app, log_lines):
    """What env info knows of the app; for an app it does not know (a base service, an
    environment not in the state), what the back end knows ({} when nothing)."""
    try:
        return app_info.app_info(context, env, app, log_lines=log_lines)
    except QaeciError:
        pass
    try:
        running = context.backend.app_info(env, app, log_lines=log_lines)
    except (QaeciError, BackendError):
        return {}
    if running is None:
        return {}
    return {
        "host": running.host,
        "port": running.port,
        "log_tail": running.log_tail,
        "log_of": "app" if running.log_tail else None,
        "ids": dict(running.ids),
    }


def _message(answer, headline, rendered, info):
    lines = list(headline)
    if answer.get("decision") in ("skipped", "escalated") and (
        answer.get("reason") or ""
    ) not in "\n".join(headline):
        lines.append("decision: %s" % answer["reason"])
    lines += ["%s: %s" % (name, url) for name, url in sorted(rendered.items())]
    log_tail = (info.get("log_tail") or "").strip()
    if log_tail:
        label = "sandbox" if (info.get("ids") or {}).get("sandbox") else info.get("log_of")
        lines.append("%s log, last lines:\n```\n%s\n```" % (label or "app", log_tail))
    else:
        lines.append("no log to show")
    return "\n".join(lines)
