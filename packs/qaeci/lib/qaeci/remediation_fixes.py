"""The fixes remediation applies once the guard let it act (actions remediate_memory,
remediate_restart, remediate_agent), each ending with the decision settled in the log and the
line to post:

- raise_memory: that app alone is redeployed from its current release with the memory the
  decision raised (and kept for later env ups), and checked.
- restart: the app is started again once from its current release (the local back end never
  restarts a program by itself) and checked.
- recover_agent: after an agent left, wait for the relaunch of the apps it ran, check every app
  of their environments, and redeploy, in dependency order, the dependents of a relaunched app
  whose checks fail now.
"""

import os
import time

from qaeci import automation, checks, deploy, redact, remediation_records
from qaeci import plan as plan_mod
from qaeci.remediation_settings import RemediationSettings
from qaeci.step_context import now, one_line, recorded_app

RELAUNCH_POLL = 0.5
BY = "remediation"


def settle(context, answer, fixed, detail, message):
    """Record the outcome of the acted decision ANSWER (remediate_decide's result) and what was
    posted; return the fix's result: {fixed, detail, message, channel}."""
    settings = RemediationSettings(context.config.values)
    guard = automation.Guard(context.datastore, settings.guard)
    message = (
        redact.masker_for(context, answer.get("env"))(message) if answer.get("env") else message
    )
    guard.settle(
        automation.find(context.datastore, answer["key"], answer["id"]),
        "succeeded" if fixed else "failed",
        detail,
        announcement=message,
    )
    return {"fixed": fixed, "detail": detail, "message": message, "channel": settings.chat_channel}


# -- one app, redeployed from its current release ---------------------------------------------


def redeploy(context, env, code, mem=None):
    """Start APP of ENV again from its current release (with MEM MB when given) and check it.
    Returns {"status": healthy | failed, "reason", "host", "port"} and records it; failed
    without touching anything when the app has no release here (it was never deployed)."""
    state = context.state(env)
    environment = context.existing_environment(env)
    app = recorded_app(environment, code)
    entry = (environment.get("plan") or {}).get(code)
    link = deploy.release_link(context.config.work_dir, env, code)
    if app is None or entry is None or not os.path.exists(link):
        return {
            "status": "failed",
            "host": None,
            "port": None,
            "reason": "%s/%s has no release to redeploy; fix: env up %s apps=%s"
            % (env, code, env, code),
        }
    record = state.app(code) or {}
    spec = deploy.app_spec(
        app,
        env,
        context.config.work_dir,
        entry["address"],
        os.path.realpath(link),
        build_key=record.get("build_key"),
        commit=record.get("commit"),
        deploy_type=environment.get("deploy_type"),
    )
    remediation_records.apply_raised_memory(context.datastore, spec)
    if mem:
        spec.mem = mem
    state.update_app(code, status="deploying", stage="check")
    try:
        stage, result = deploy.start_and_check(context.backend, app, spec, entry["address"])
    except Exception as error:  # a back end's failure is this fix's outcome, not a crash
        stage, result = "deploy", checks.CheckResult(False, one_line(error))
    outcome = "healthy" if stage is None else "failed"
    state.update_app(
        code,
        status=outcome,
        stage=stage,
        reason=result.reason,
        deployed_at=now(),
        deployed_by=BY,
        last_check={"at": now(), "ok": result.ok, "reason": result.reason},
    )
    running = context.backend.app_status(env, code)
    return {
        "status": outcome,
        "reason": result.reason,
        "host": running.host if running else None,
        "port": running.port if running else None,
    }


def _outcome_text(outcome):
    if outcome["status"] == "healthy":
        return "healthy, its checks pass"
    return "still failing: %s" % (outcome["reason"] or "no reason given")


# -- the fixes --------------------------------------------------------------------------------


def raise_memory(context, answer, env, app, mem):
    before = answer["plan"].get("mem_before")
    outcome = redeploy(context, env, app, mem)
    fixed = outcome["status"] == "healthy"
    message = "%s/%s was killed for running out of memory: memory %s -> %d MB, redeployed: %s" % (
        env,
        app,
        before,
        mem,
        _outcome_text(outcome),
    )
    result = settle(
        context,
        answer,
        fixed,
        "memory %s -> %d MB; %s" % (before, mem, _outcome_text(outcome)),
        message,
    )
    result.update(
        before={"mem": before},
        after={
            "mem": mem,
            "status": outcome["status"],
            "host": outcome["host"],
            "port": outcome["port"],
        },
    )
    return result


def restart(context, answer, env, app):
    outcome = redeploy(context, env, app)
    fixed = outcome["status"] == "healthy"
    what = answer["plan"].get("ended") or answer["plan"].get("headline") or "%s/%s" % (env, app)
    message = "%s: restarted once: %s" % (what, _outcome_text(outcome))
    return settle(context, answer, fixed, "restarted: %s" % _outcome_text(outcome), message)


def recover_agent(context, answer, clock=time.monotonic):
    plan = answer["plan"]
    settings = RemediationSettings(context.config.values)
    deadline = clock() + settings.relaunch_timeout
    reports, fixed = [], True
    # A deactivated agent (maintenance) may keep its tasks: only a left one's must move.
    lost_host = plan.get("hostname") if plan.get("change") != "deactivated" else None
    for env, apps in sorted(plan["affected"].items()):
        env_fixed, report = _recover_environment(context, env, apps, lost_host, deadline, clock)
        fixed = fixed and env_fixed
        reports.append(report)
    message = "%s: %s" % (plan["what"], "; ".join(reports))
    return settle(context, answer, fixed, "; ".join(reports), message)


def _recover_environment(context, env, apps, lost_host, deadline, clock):
    """(whether every app of ENV is healthy now, one line saying what was done)."""
    environment = context.existing_environment(env)
    relaunched, parts = {}, []
    for app in apps:
        relaunched[app] = _wait_relaunch(context, env, app, lost_host, deadline, clock)
    parts.append(", ".join("%s %s" % (app, where) for app, where in sorted(relaunched.items())))
    failing = _failing_apps(context, environment)
    moved = set(app for app, where in relaunched.items() if where.startswith("relaunched"))
    dependents = _dependents(environment, moved)
    redeployed = {}
    for code in _in_dependency_order(environment, [code for code in failing if code in dependents]):
        redeployed[code] = redeploy(context, env, code)
    still = [code for code in failing if code not in redeployed] + [
        code for code, outcome in redeployed.items() if outcome["status"] != "healthy"
    ]
    if redeployed:
        parts.append(
            "redeployed "
            + ", ".join(
                "%s: %s" % (code, _outcome_text(outcome)) for code, outcome in redeployed.items()
            )
        )
    parts.append(
        "checks failing: %s"
        % ", ".join(
            "%s (%s)" % (code, failing.get(code, "redeploy failed")) for code in sorted(still)
        )
        if still
        else "every app's checks pass"
    )
    return not still, "%s: %s" % (env, "; ".join(part for part in parts if part))


def _wait_relaunch(context, env, app, lost_host, deadline, clock):
    """How the app came back: "relaunched on HOST:PORT" (not LOST_HOST's when given), or "not
    relaunched in time (its state)"."""
    while True:
        state = context.backend.app_status(env, app)
        if state is not None and state.state == "running" and state.host != lost_host:
            return "relaunched on %s:%s" % (state.host, state.port)
        if clock() >= deadline:
            return "not relaunched in time (%s)" % (state.state if state else "missing")
        time.sleep(RELAUNCH_POLL)


def _failing_apps(context, environment):
    """{app: reason} of the environment's apps whose checks fail now (or that do not run)."""
    env = environment["env"]
    failing = {}
    for code in environment.get("apps") or []:
        app = recorded_app(environment, code)
        address = ((environment.get("plan") or {}).get(code) or {}).get("address") or (
            environment.get("addresses") or {}
        ).get(code)
        state = context.backend.app_status(env, code)
        if state is None or state.state != "running":
            failing[code] = "not running (%s)" % (state.state if state else "missing")
            continue
        if app is None or address is None:
            continue
        result = checks.check_once(checks.target_url(state, address), app.check_urls)
        if not result.ok:
            failing[code] = result.reason
    return failing


def _dependents(environment, changed):
    """Apps of the environment depending, directly or not, on one of CHANGED."""
    depends_on = {
        code: set((definition or {}).get("depends_on") or [])
        for code, definition in (environment.get("app_defs") or {}).items()
    }
    found, grown = set(), True
    while grown:
        more = (
            set(code for code, needs in depends_on.items() if needs & (set(changed) | found))
            - found
        )
        found |= more
        grown = bool(more)
    return found


def _in_dependency_order(environment, codes):
    apps = {code: recorded_app(environment, code) for code in codes}
    return plan_mod.dependency_order(apps, set(codes))
