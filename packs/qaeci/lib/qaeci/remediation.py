"""What to do about an event (action remediate_decide, which StackStorm runs one at a time): each
kind of event has a planner that checks the event is about one of our apps, applies the rules
that leave an app alone (flapping, already handled, nothing left to raise), and asks the guard
(qaeci.automation) for its place under the hourly cap and the dry-run switch.

The answer (a dict, the action's result) tells the remediation workflow what to do next:
  acts     do the fix now (plan holds what: the new memory, the apps to look at, ...)
  report   post a report with the app's logs and links (remediate_diagnose)
  message  a line to post as it is (an escalation, a dry run, an app at its memory ceiling)
and decision is acted | skipped | escalated as logged, or "ignored" for events that call for
no decision at all (not one of our apps, a stop that was asked for, Marathon's own relaunch),
which are not logged.

Kinds: oom (qaeci.container_oom, or a task failed for its memory limit), exit (the local back
end's qaeci.container_exit: restarted once), task_failed (qaeci.task_status on a cluster: counted
for flapping, Marathon relaunches it), deployment_failed (qaeci.deployment), agent_lost
(qaeci.agent_change left or deactivated).
"""

import math
import time

from qaeci import automation, remediation_cluster, remediation_records
from qaeci.errors import QaeciError
from qaeci.remediation_settings import RemediationSettings
from qaeci.step_context import recorded_app

KINDS = ("oom", "exit", "task_failed", "deployment_failed", "agent_lost")
IGNORED = "ignored"
DEFAULT_MEMORY = 256
HOUR = 3600


class Decider(object):
    def __init__(self, context, clock=time.time):
        self.context = context
        self.datastore = context.datastore
        self.settings = RemediationSettings(context.config.values)
        self.guard = automation.Guard(self.datastore, self.settings.guard, clock)
        self.clock = clock

    def answer(
        self,
        kind,
        key,
        decision=None,
        reason=None,
        report=False,
        message=None,
        plan=None,
        env=None,
        app=None,
    ):
        """The action's result; DECISION is the logged automation.Decision (None: ignored)."""
        outcome = decision.outcome if decision else IGNORED
        dry_run = bool(decision and decision.dry_run)
        if message and dry_run:
            message = "[dry run] " + message
        if message and decision:
            self.guard.settle(decision, announcement=message)
        return {
            "kind": kind,
            "key": key,
            "env": env,
            "app": app,
            "decision": outcome,
            "id": decision.id if decision else None,
            "reason": decision.reason if decision else reason,
            "acts": bool(decision and decision.acts),
            "dry_run": dry_run,
            "report": report,
            "message": message,
            "plan": plan or {},
            "channel": self.settings.chat_channel,
        }

    def escalation_or_dry_run(self, decision, what):
        """The chat line for a decision that did not act but must be said: escalated (the cap
        was reached) or a dry run of WHAT."""
        if decision.escalated:
            return "%s: automatic remediation stopped, over to a person: %s" % (
                what,
                decision.reason,
            )
        if decision.dry_run and decision.reason.startswith("dry run"):
            return "%s: %s" % (what, decision.reason)
        return None


def decide(context, kind, trigger, clock=time.time):
    if kind not in PLANNERS:
        raise QaeciError(
            "remediation kind %r is unknown; fix: use one of %s" % (kind, ", ".join(KINDS))
        )
    return PLANNERS[kind](Decider(context, clock), trigger or {})


def app_key(env, app):
    return "%s/%s" % (env, app)


def _our_app(decider, kind, trigger):
    """(env, app, environment record) when TRIGGER is about an app of an existing environment,
    else (None, None, an ignored answer)."""
    env, app = trigger.get("env"), trigger.get("app")
    if not env or not app:
        return None, None, decider.answer(kind, None, reason="not a qaeci app")
    environment = decider.context.state(env).environment()
    known = app in ((environment or {}).get("apps") or []) or app.startswith("svc.")
    if environment is None or not known:
        return (
            None,
            None,
            decider.answer(
                kind,
                app_key(env, app),
                env=env,
                app=app,
                reason="%s is not an app of a qaeci environment now" % app_key(env, app),
            ),
        )
    return env, app, environment


# -- OOM kill ---------------------------------------------------------------------------------


def plan_oom(decider, trigger):
    env, app, environment = _our_app(decider, "oom", trigger)
    if env is None:
        return environment
    key, settings, now = app_key(env, app), decider.settings, decider.clock()
    common = dict(env=env, app=app, trigger=trigger, kind="oom")
    what = "%s was killed for running out of memory" % key
    if app.startswith("svc."):
        decision = decider.guard.skip(
            key, "base service: its memory is not raised automatically; left to a person", **common
        )
        return decider.answer(
            "oom",
            key,
            decision,
            env=env,
            app=app,
            message="%s; it is a base service, so its memory is left to a person" % what,
        )
    killed = _killed_instance(trigger)
    if not remediation_records.first_report_of(decider.datastore, key, killed):
        decision = decider.guard.skip(key, "OOM kill of %s already handled" % killed, **common)
        return decider.answer("oom", key, decision, env=env, app=app)
    if remediation_records.is_flapping(
        decider.datastore, key, now, settings.flapping_failures, settings.flapping_window
    ):
        decision = decider.guard.skip(
            key, "flapping: left alone (reported with its logs)", **common
        )
        return decider.answer("oom", key, decision, env=env, app=app)
    before = memory_now(decider.context, environment, app)
    ceiling, why = memory_ceiling(decider.context, environment, settings)
    after = min(int(math.ceil(before * settings.factor)), int(ceiling))
    plan = {"mem_before": before, "mem_after": after, "ceiling": ceiling, "ceiling_of": why}
    if after <= before:
        reason = "already at its memory ceiling (%d MB, %s); left to a person" % (ceiling, why)
        decision = decider.guard.skip(key, reason, action="raise its memory", **common)
        due = remediation_records.due_report(decider.datastore, key, "ceiling", now, HOUR)
        return decider.answer(
            "oom",
            key,
            decision,
            env=env,
            app=app,
            plan=plan,
            message="%s, and is %s" % (what, reason) if due else None,
        )
    action = "raise its memory from %d to %d MB and redeploy it" % (before, after)
    decision = decider.guard.decide(key, action, **common)
    if decision.acts:  # now, so that the next decision starts from the raised memory
        remediation_records.save_memory(
            decider.datastore,
            env,
            app,
            after,
            before,
            "OOM kill, decision %s" % decision.id,
            automation.iso_time(now),
        )
    return decider.answer(
        "oom",
        key,
        decision,
        env=env,
        app=app,
        plan=plan,
        message=decider.escalation_or_dry_run(decision, what),
    )


def _killed_instance(trigger):
    """What names the killed instance: a cluster's task id (Docker's and Mesos' reports of one
    kill share it), or on the local back end the process (PROGRAM:PID): there a task id names
    the program, which outlives its processes."""
    if trigger.get("cluster") == "local":
        return trigger.get("container_id")
    return trigger.get("task_id")


def memory_now(context, environment, app):
    """The memory (MB) the app runs with in its environment: as remediation raised it, else as
    its recorded definition asks."""
    raised = remediation_records.raised_memory(context.datastore, environment["env"], app)
    if raised:
        return raised
    definition = recorded_app(environment, app)
    return int((definition.runtime.get("mem") if definition else None) or DEFAULT_MEMORY)


def memory_ceiling(context, environment, settings):
    """(MB, what sets it): remediation.max_memory, or the largest agent's memory when smaller."""
    largest = remediation_cluster.largest_agent_memory(context, environment.get("deploy_type"))
    if largest is not None and largest < settings.max_memory:
        return largest, "the largest agent's memory"
    return settings.max_memory, "remediation.max_memory"


# -- a task or process that failed ------------------------------------------------------------


def plan_exit(decider, trigger):
    """The local back end: an app's process ended. Restarted once unless flapping."""
    env, app, environment = _our_app(decider, "exit", trigger)
    if env is None:
        return environment
    key = app_key(env, app)
    ended = _ended_by_itself(decider.context, env, app)
    if ended is not True:
        return decider.answer("exit", key, env=env, app=app, reason=ended)
    if not _first_report(decider, key, trigger):
        return decider.answer("exit", key, env=env, app=app, reason="already counted")
    flapping = _count_failure(decider, key)
    if flapping is not None:
        return _flapping_answer(decider, "exit", key, env, app, trigger, flapping)
    what = "%s stopped (%s)" % (key, _exit_text(trigger))
    decision = decider.guard.decide(
        key, "restart it once and verify its checks", env=env, app=app, trigger=trigger, kind="exit"
    )
    return decider.answer(
        "exit",
        key,
        decision,
        env=env,
        app=app,
        plan={"ended": what},
        message=decider.escalation_or_dry_run(decision, what),
    )


def plan_task_failed(decider, trigger):
    """A cluster's task failed: counted, so a flapping app is reported once; Marathon relaunches
    failed tasks itself, so there is nothing else to do."""
    env, app, environment = _our_app(decider, "task_failed", trigger)
    if env is None:
        return environment
    key = app_key(env, app)
    if not _first_report(decider, key, trigger):
        return decider.answer("task_failed", key, env=env, app=app, reason="already counted")
    flapping = _count_failure(decider, key)
    if flapping is not None:
        return _flapping_answer(decider, "task_failed", key, env, app, trigger, flapping)
    return decider.answer(
        "task_failed", key, env=env, app=app, reason="a failed task: its cluster relaunches it"
    )


def _ended_by_itself(context, env, app):
    """True when the app's process died (the back end has it failed), else why this is no
    failure to act on (a stop that was asked for, a deploy under way, already running)."""
    record = context.state(env).app(app) or {}
    if record.get("status") == "deploying":
        return "a deploy of %s is under way" % app_key(env, app)
    state = context.backend.app_status(env, app)
    if state is None:
        return "%s is no longer run by the back end" % app_key(env, app)
    if state.state != "failed":
        return "%s is %s: not a failure" % (app_key(env, app), state.state)
    return True


def _first_report(decider, key, trigger):
    """Whether this is the first report of the failed instance (a failure counts once)."""
    return remediation_records.first_report_of(
        decider.datastore, key, _killed_instance(trigger), "failed"
    )


def _count_failure(decider, key):
    """The Flapping state when this failure leaves KEY flapping, else None."""
    settings = decider.settings
    state = remediation_records.note_failure(
        decider.datastore,
        key,
        decider.clock(),
        settings.flapping_failures,
        settings.flapping_window,
    )
    return state if state.flapping else None


def _flapping_answer(decider, kind, key, env, app, trigger, flapping):
    settings = decider.settings
    reason = (
        "flapping: %d failures within %s s (remediation.flapping_failures/_window); left "
        "alone" % (flapping.count, _plain(settings.flapping_window))
    )
    if not flapping.report:
        reason += ", reported at %s" % automation.iso_time(flapping.reported_at)
    decision = decider.guard.skip(key, reason, env=env, app=app, trigger=trigger, kind=kind)
    return decider.answer(
        kind,
        key,
        decision,
        env=env,
        app=app,
        report=flapping.report,
        plan={"topic": "flapping", "headline": "%s is %s" % (key, reason)},
    )


def _exit_text(trigger):
    code = trigger.get("exit_code")
    return "exit code %s" % code if code is not None else "exit code unknown"


# -- a deployment that failed -----------------------------------------------------------------


def plan_deployment_failed(decider, trigger):
    """Reported whenever one of our apps' deployments failed, even for an environment the
    state no longer holds (a failure must reach people); retried only when configured, once,
    and only in an environment that exists."""
    env, app = trigger.get("env"), trigger.get("app")
    if not env or not app:
        return decider.answer("deployment_failed", None, reason="not a qaeci app")
    key = app_key(env, app)
    headline = "deployment of %s failed: %s" % (key, trigger.get("reason") or "no reason given")
    plan = {
        "topic": "deployment_failed",
        "headline": headline,
        "deployment_id": trigger.get("deployment_id"),
        "cluster": trigger.get("cluster"),
        "app_id": trigger.get("app_id"),
        "reason": trigger.get("reason"),
    }
    common = dict(env=env, app=app, trigger=trigger, kind="deployment_failed")
    if not decider.settings.retry_failed_deployment:
        decision = decider.guard.skip(
            key,
            "reported; no automatic retry (remediation.retry_failed_deployment is false)",
            **common,
        )
    elif _our_app(decider, "deployment_failed", trigger)[0] is None:
        decision = decider.guard.skip(
            key,
            "reported; not retried: %s is not an app of a qaeci environment now" % key,
            **common,
        )
    elif _retried_lately(decider, key):
        decision = decider.guard.skip(key, "reported; its automatic retry failed already", **common)
    else:
        decision = decider.guard.decide(key, "redeploy it once", **common)
        plan["retry"] = decision.acts
    return decider.answer(
        "deployment_failed",
        key,
        decision,
        env=env,
        app=app,
        report=True,
        plan=plan,
        message=decider.escalation_or_dry_run(decision, headline),
    )


def _retried_lately(decider, key):
    window = decider.settings.flapping_window
    for record in automation.history(decider.datastore, key=key, limit=0):
        if decider.clock() - record.get("epoch", 0) >= window:
            break
        if record.get("kind") == "deployment_failed" and record.get("decision") == "acted":
            return True
    return False


# -- an agent that left -----------------------------------------------------------------------


def plan_agent_lost(decider, trigger):
    cluster, agent_id = trigger.get("cluster"), trigger.get("agent_id")
    host = trigger.get("hostname") or agent_id
    key = "%s/agent/%s" % (cluster, host)
    affected = remediation_cluster.apps_on_agent(
        decider.context, cluster, agent_id, trigger.get("hostname")
    )
    common = dict(trigger=trigger, kind="agent_lost")
    if not affected:
        decision = decider.guard.skip(key, "no qaeci environment had tasks on %s" % host, **common)
        return decider.answer("agent_lost", key, decision)
    listing = "; ".join("%s: %s" % (env, ", ".join(apps)) for env, apps in sorted(affected.items()))
    what = "agent %s of %s %s (tasks of %s)" % (host, cluster, trigger.get("change"), listing)
    decision = decider.guard.decide(
        key,
        "wait for the relaunch of %s, re-run their checks and redeploy dependents whose "
        "checks fail" % listing,
        **common,
    )
    return decider.answer(
        "agent_lost",
        key,
        decision,
        message=decider.escalation_or_dry_run(decision, what),
        plan={
            "affected": affected,
            "cluster": cluster,
            "agent_id": agent_id,
            "hostname": trigger.get("hostname"),
            "what": what,
            "change": trigger.get("change"),
        },
    )


def _plain(number):
    return int(number) if float(number).is_integer() else number


PLANNERS = {
    "oom": plan_oom,
    "exit": plan_exit,
    "task_failed": plan_task_failed,
    "deployment_failed": plan_deployment_failed,
    "agent_lost": plan_agent_lost,
}
