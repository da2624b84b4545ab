"""What an environment looks like: the outcome of a run (action env_report, env_up's last
step), every app now (env_inspect, behind env_status), every environment (env_list), and the
apps that need rebuilding (env_select_failed, behind env_rebuild_failed)."""

import time

from qaeci import checks, redact
from qaeci import report as report_mod
from qaeci.permissions import authorize
from qaeci.registry import check_env_name
from qaeci.state import environment_names
from qaeci.step_context import now, recorded_app

RUNNING_STATES = ("running", "starting")


def run_report(context, env, run=None):
    """{"healthy": every app healthy, "output": env_up's output} for RUN (default: the
    latest)."""
    state = context.state(env)
    environment = context.existing_environment(env)
    healthy, output = report_mod.run_report(
        environment,
        state.apps(),
        run or environment.get("run"),
        state.services(),
        context.config.domain,
        context.config.router_port,
    )
    return {"healthy": healthy, "output": output}


def status(context, env):
    """env_status: every app of the environment as it is now (checked once, now)."""
    check_env_name(env)
    state = context.state(env)
    environment = context.existing_environment(env)
    running = context.backend.status(env)
    records = state.apps()
    apps = {
        code: _app_now(context, environment, code, records.get(code) or {}, running.get(code))
        for code in environment.get("apps") or []
    }
    services = {
        name: dict(info) for name, info in (context.backend.services_status(env) or {}).items()
    }
    return redact.masker_for(context, env)(report_mod.envelope(environment, apps, services))


def _app_now(context, environment, code, record, app_state):
    entry = report_mod.app_output(
        environment, code, record, context.config.domain, context.config.router_port
    )
    entry["status"], reason = status_now(context, code, record, app_state, environment)
    if entry["status"] not in ("healthy", "skipped"):
        entry["reason"] = reason or record.get("reason", "")
        entry.setdefault("stage", record.get("stage"))
        entry["log_tail"] = context.log_tail(environment["env"], code)
    if entry["status"] != "skipped":
        entry.update(deployment(record, app_state))
    entry["last_check"] = record.get("last_check")
    entry.pop("built", None)
    entry.pop("deployed", None)
    return entry


def deployment(record, app_state):
    """What runs of an app and since when, beside its status: {branch, host, port (where the
    back end runs it, else the recorded port), deployed_at, deployed_by (who asked for the
    env up that started it; None when unknown)}."""
    return {
        "branch": record.get("branch"),
        "host": app_state.host if app_state is not None else None,
        "port": (app_state.port if app_state is not None else None) or record.get("port"),
        "deployed_at": deployed_at(record),
        "deployed_by": record.get("deployed_by"),
    }


def deployed_at(record):
    """When the app's running release was launched (ISO-8601 UTC), else None. Records written
    before deploys noted it say so in their timings (epoch seconds)."""
    if record.get("deployed_at"):
        return record["deployed_at"]
    launched = (record.get("timings") or {}).get("launched")
    return iso_utc(launched) if launched else None


def iso_utc(epoch_seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


def status_now(context, code, record, app_state, environment):
    """(status, reason) of an app now, as env status judges it: healthy or unhealthy by one
    check of its URLs where its process runs now (recorded as its last_check), else stopped, or
    failed / skipped as its last run left it."""
    if app_state is None or app_state.state not in RUNNING_STATES:
        if record.get("status") in ("failed", "skipped"):
            return record["status"], record.get("reason", "")
        return "stopped", "not running (%s)" % (app_state.state if app_state else "missing")
    app = recorded_app(environment, code)
    address = (environment.get("addresses") or {}).get(code)
    if app is None or address is None:
        return "unhealthy", "unknown to the registry"
    result = checks.check_once(checks.target_url(app_state, address), app.check_urls)
    context.state(environment["env"]).update_app(
        code, last_check={"at": now(), "ok": result.ok, "reason": result.reason}
    )
    return ("healthy", "") if result.ok else ("unhealthy", result.reason)


def list_environments(context):
    """env_list: each environment with its template, creator and how many apps are healthy."""
    environments = []
    for name in environment_names(context.datastore):
        state = context.state(name)
        record = state.environment() or {}
        statuses = [(state.app(code) or {}).get("status") for code in record.get("apps") or []]
        environments.append(
            {
                "env": name,
                "template": record.get("template"),
                "creator": record.get("creator"),
                "deploy_type": record.get("deploy_type"),
                "apps": len(statuses),
                "healthy": sum(1 for status in statuses if status == "healthy"),
                "updated_at": record.get("updated_at"),
            }
        )
    return {"environments": environments}


def failed_apps(context, env, user=None):
    """Apps whose last build, deploy or check failed, plus everything depending on them (for
    a user who may rebuild the environment)."""
    environment = authorize(context, env, user, "rebuild")
    records = context.state(env).apps()
    broken = set(
        code
        for code in environment.get("apps") or []
        if (records.get(code) or {}).get("status") in ("failed", "skipped", None)
    )
    depends_on = {
        code: set((definition or {}).get("depends_on") or [])
        for code, definition in (environment.get("app_defs") or {}).items()
    }
    grown = True
    while grown:
        dependents = (
            set(
                code
                for code in environment.get("apps") or []
                if depends_on.get(code, set()) & broken
            )
            - broken
        )
        broken |= dependents
        grown = bool(dependents)
    return {"env": env, "template": environment["template"], "apps": sorted(broken)}
