"""`env info ENV APP` (action env_info): one app as Ctrip's `!cdos APPID` answers it. Where it
answers (url), what runs (commit, branch), its state now as env status judges it, where it runs
(host, port, since started_at), when it was deployed and for whom, the last lines of its log,
and the links the pack config's URL templates make for it. Every secret is masked.
"""

from qaeci import links as links_mod
from qaeci import redact, report
from qaeci import status as status_mod
from qaeci.errors import QaeciError
from qaeci.registry import check_env_name

DEFAULT_LOG_LINES = 10
MAX_LOG_LINES = 200


class UnknownApp(QaeciError):
    """The environment has no app by that name."""


def app_info(context, env, app, log_lines=DEFAULT_LOG_LINES):
    """{env, app, template, deploy_type, creator, status, reason, stage, url, commit, branch,
    host, port, started_at, deployed_at, deployed_by, log_tail, log_of, ids, links}."""
    check_env_name(env)
    environment = context.existing_environment(env)
    _check_app(environment, app)
    links_mod.check_templates(context.config.links)  # a config mistake shows whatever the app
    record = context.state(env).app(app) or {}
    running = context.backend.app_info(env, app, log_lines=_bounded(log_lines))
    status, reason = status_mod.status_now(context, app, record, running, environment)
    info = {
        "env": env,
        "app": app,
        "template": environment.get("template"),
        "deploy_type": environment.get("deploy_type"),
        "creator": environment.get("creator"),
        "status": status,
        "reason": reason if status != "healthy" else "",
        "stage": record.get("stage") if status in ("failed", "skipped") else None,
        "url": report.app_public_url(
            environment, app, context.config.domain, context.config.router_port
        ),
        "commit": _planned(environment, app, record, "commit"),
        "started_at": running.started_at if running is not None else None,
        "ids": dict(running.ids) if running is not None else {},
    }
    info.update(status_mod.deployment(record, running))
    info["branch"] = _planned(environment, app, record, "branch")
    info.update(_log(running, record))
    info["links"] = links_mod.render(context.config.links, _link_values(context, info))
    return redact.masker_for(context, env)(info)


def _check_app(environment, app):
    apps = environment.get("apps") or []
    if app not in apps:
        raise UnknownApp(
            "app %r is not in environment %s; fix: ask about one of its apps (%s)"
            % (app, environment["env"], ", ".join(apps) or "none yet")
        )


def _bounded(log_lines):
    try:
        return max(0, min(int(log_lines), MAX_LOG_LINES))
    except (TypeError, ValueError) as error:
        raise QaeciError(
            "log_lines %r is not a number; fix: give a number of lines, e.g. "
            "log_lines=20" % (log_lines,)
        ) from error


def _planned(environment, app, record, key):
    """The deploy record's KEY (commit, branch), else the latest plan's for the app."""
    return record.get(key) or ((environment.get("plan") or {}).get(app) or {}).get(key)


def _log(running, record):
    """{log_tail, log_of}: the app's own output when the back end has any, else the output
    its last run recorded at the stage it failed (a failed build's log, say)."""
    if running is not None and running.log_tail:
        return {"log_tail": running.log_tail, "log_of": "app"}
    if record.get("log_tail"):
        return {"log_tail": record["log_tail"], "log_of": record.get("stage") or "app"}
    return {"log_tail": "", "log_of": None}


def _link_values(context, info):
    values = {key: info.get(key) for key in links_mod.PLACEHOLDERS}
    values.update(info["ids"])
    values["domain"] = context.config.domain
    return values
