"""env_up's deploy step (action app_deploy, one per app to deploy): take the app's artifact,
unpack and render its release while its dependencies finish their checks, start it the moment
they pass, check it, and record the outcome (healthy, failed at a stage, or skipped because a
dependency did not come up). Its dependents wait for that record.

env_deploy dispatches this step only once the app is nearly ready (deploy_dispatch), so the
waits below are normally short: the build and services records are there at the first read,
and only dependencies being checked are waited for. The waits still stand on their own, with
a deadline, so the step is right whenever it is started.
"""

import time

from qaeci import checks, remediation_records
from qaeci import plan as plan_mod
from qaeci.state import BUILD_OUTCOMES, FINAL_APP_STATUSES, SERVICES_OUTCOMES, being_checked, of_run
from qaeci.step_context import epoch, now, one_line, recorded_app, render_variables
from qaeci.waiting import Backoff, wait_for

DEFAULT_WAIT_TIMEOUT = 3600
# The artifact and the base services are normally recorded before this step starts.
RECORD_FIRST_INTERVAL = 0.05
RECORD_LONGEST_INTERVAL = 0.1
# A dependency's record is read quickly only once it is being checked and its port accepts
# connections (its checks are about to pass): its dependents then start within 0.05 s of it.
# Until then it is read gently, and once it is launched (its record names where its checks go)
# its port is watched in between (a refused connect costs no datastore read, which is an API
# call on StackStorm).
DEPENDENCY_CHECKING_INTERVAL = 0.05
DEPENDENCY_WAITING_INTERVAL = 0.25
PORT_WATCH_INTERVAL = 0.05
PORT_WATCH_TIMEOUT = 0.05


def deploy(context, env, app_code, run, wait_timeout=DEFAULT_WAIT_TIMEOUT):
    """The app's record of RUN: healthy, failed (with stage, reason, log_tail) or skipped."""
    try:
        return _deploy(context, context.state(env), app_code, run, wait_timeout)
    except Exception as error:  # record it: dependents are waiting for this outcome
        state = context.state(env)
        entry = state.environment()["plan"][app_code]
        return _fail(context, state, app_code, run, entry, "deploy", one_line(error))


def _deploy(context, state, app_code, run, wait_timeout):
    environment = state.environment()
    entry = environment["plan"][app_code]
    app = recorded_app(environment, app_code)
    deadline = time.monotonic() + wait_timeout
    build_record = _wait_for_record(
        lambda: of_run(state.build(app_code), run, BUILD_OUTCOMES), deadline
    )
    if build_record is None:
        return _fail(
            context,
            state,
            app_code,
            run,
            entry,
            "build",
            "no build outcome within %ss" % wait_timeout,
        )
    if build_record["status"] == "failed":
        return _fail(
            context,
            state,
            app_code,
            run,
            entry,
            "build",
            build_record.get("reason"),
            log_tail=build_record.get("log_tail", ""),
        )
    built = build_record.get("built", False)
    services = _wait_for_record(lambda: of_run(state.services(), run, SERVICES_OUTCOMES), deadline)
    if services is None or (services["status"] == "failed" and app.services):
        reason = "base services failed: %s" % (services or {}).get("reason", "not started in time")
        return _fail(context, state, app_code, run, entry, "deploy", reason, built=built)
    # Unpack, render and stage it while the dependencies start: it needs only their addresses.
    try:
        spec, release, reads = _prepare(
            context, state, environment, app, entry, services["services"]
        )
    except Exception as error:  # render errors, store errors: stage deploy
        return _fail(context, state, app_code, run, entry, "deploy", one_line(error), built=built)
    timings = {"prepared": epoch()}
    state.update_app(app_code, run=run, status="deploying", stage="deploy")
    for dependency in entry["depends_on"]:
        outcome = _DependencyWatch(state, environment, dependency, run).wait(deadline)
        if outcome is None or outcome["status"] != "healthy":
            what = "did not finish in time" if outcome is None else outcome["status"]
            reason = "depends on %s, which %s" % (
                dependency,
                "failed" if what == "skipped" else what,
            )
            return _save(
                state,
                app_code,
                {
                    "run": run,
                    "status": "skipped",
                    "reason": reason,
                    "built": built,
                    "deployed": False,
                    "commit": entry["commit"],
                },
            )
    return _start(
        context,
        state,
        app,
        entry,
        run,
        spec,
        release,
        reads,
        built,
        timings,
        environment.get("requested_by"),
    )


def _wait_for_record(probe, deadline):
    return wait_for(probe, deadline, Backoff(RECORD_FIRST_INTERVAL, RECORD_LONGEST_INTERVAL).after)


class _DependencyWatch(object):
    """Waits for a dependency's final record in a run. Its port is watched at the URL its
    checks go to, which its deploy records once the back end has it launched (on a cluster,
    only then is it known where it runs)."""

    def __init__(self, state, environment, dependency, run):
        self.state = state
        self.dependency = dependency
        self.run = run
        app = recorded_app(environment, dependency)
        # Without check URLs its checks pass as it launches: nothing to watch.
        self.listening = not (app and app.check_urls)
        self.record = None

    def wait(self, deadline):
        """The dependency's final record, or None at DEADLINE (time.monotonic())."""
        return wait_for(self._final_record, deadline, self._pace, self._sleep)

    def _final_record(self):
        self.record = self.state.app(self.dependency)
        return of_run(self.record, self.run, FINAL_APP_STATUSES)

    def _checked_now(self):
        return being_checked(self.record, self.run)

    def _check_url(self):
        return (self.record or {}).get("check_url") if self._checked_now() else None

    def _pace(self):
        if self._checked_now() and self.listening:
            return DEPENDENCY_CHECKING_INTERVAL
        return DEPENDENCY_WAITING_INTERVAL

    def _sleep(self, seconds):
        """Sleep SECONDS; while the dependency is being checked where it was launched, watch
        its port meanwhile and wake up as soon as something listens there."""
        end = time.monotonic() + seconds
        while self._check_url() and not self.listening:
            self.listening = not checks.port_refuses(self._check_url(), timeout=PORT_WATCH_TIMEOUT)
            remaining = end - time.monotonic()
            if self.listening or remaining <= 0:
                return
            time.sleep(min(PORT_WATCH_INTERVAL, remaining))
        time.sleep(max(0.0, end - time.monotonic()))


def _prepare(context, state, environment, app, entry, services):
    """(the back end's AppSpec, staged; its release directory; config variables its
    templates read)."""
    from qaeci import deploy  # imports Jinja: only the steps that deploy pay for it

    variables = render_variables(
        state.env,
        context.config.domain,
        environment.get("deploy_type"),
        app.code,
        environment["addresses"],
        services,
    )
    reads = {}
    release, _ = deploy.prepare_release(
        app, entry["build_key"], context.store, context.config.work_dir, state.env, variables, reads
    )
    spec = deploy.app_spec(
        app,
        state.env,
        context.config.work_dir,
        entry["address"],
        release,
        build_key=entry["build_key"],
        commit=entry["commit"],
        deploy_type=environment.get("deploy_type"),
    )
    remediation_records.apply_raised_memory(context.datastore, spec)  # an OOM fix stays
    context.backend.prepare(spec)
    return spec, release, reads


def _start(context, state, app, entry, run, spec, release, reads, built, timings, requested_by):
    """Launch the prepared release and wait for its checks. The record's timings say when
    (epoch seconds) it was prepared, its dependencies were healthy, it was launched and it
    passed its checks: where a slow deploy spent its time; deployed_at and deployed_by say
    when it was launched and for whom (env info shows them)."""
    from qaeci import deploy

    env = state.env
    timings["dependencies_healthy"] = epoch()
    try:
        deploy.activate_release(context.config.work_dir, env, app.code, release)
        state.update_app(app.code, run=run, status="deploying", stage="check", check_url=None)
        launched = {"deployed_at": now(), "deployed_by": requested_by}
        stage, result = deploy.start_and_check(
            context.backend,
            app,
            spec,
            entry["address"],
            timings,
            launched=lambda url: state.update_app(app.code, check_url=url),
        )
    except Exception as error:  # a bad runtime or a back-end failure: stage deploy
        return _fail(context, state, app.code, run, entry, "deploy", one_line(error), built=built)
    if stage is None:
        stage, result = _still_running(context, env, app.code, result)
    if stage is not None:
        return _fail(
            context,
            state,
            app.code,
            run,
            entry,
            stage,
            result.reason,
            built=built,
            deployed=True,
            launched=launched,
        )
    deploy.prune_releases(context.config.work_dir, env, app.code, release)
    return _save(
        state,
        app.code,
        dict(
            launched,
            **{
                "run": run,
                "status": "healthy",
                "stage": None,
                "reason": "",
                "commit": entry["commit"],
                "branch": entry["branch"],
                "build_key": entry["build_key"],
                "context_hash": plan_mod.context_hash(entry["build_key"], reads),
                "config_inputs": reads,
                "port": entry["address"]["port"],
                "built": built,
                "deployed": True,
                "last_check": {"at": now(), "ok": True},
                "timings": dict(timings, healthy=epoch()),
            },
        ),
    )


def _still_running(context, env, app_code, result):
    app_state = context.backend.app_status(env, app_code)
    if app_state is None or app_state.state not in ("running", "starting"):
        detail = app_state.detail if app_state is not None else "missing"
        return "check", checks.CheckResult(False, "process is not running (%s)" % detail)
    return None, result


def _fail(
    context,
    state,
    app_code,
    run,
    entry,
    stage,
    reason,
    log_tail=None,
    built=False,
    deployed=False,
    launched=None,
):
    """Record the app's failure at STAGE; LAUNCHED ({deployed_at, deployed_by}) when the
    failing release was started."""
    if log_tail is None:
        log_tail = context.log_tail(state.env, app_code)
    return _save(
        state,
        app_code,
        dict(
            launched or {},
            **{
                "run": run,
                "status": "failed",
                "stage": stage,
                "reason": one_line(reason),
                "commit": entry["commit"],
                "branch": entry["branch"],
                "build_key": entry["build_key"],
                "port": entry["address"]["port"],
                "built": built,
                "deployed": deployed,
                "log_tail": log_tail,
                "last_check": {"at": now(), "ok": False, "reason": one_line(reason)},
            },
        ),
    )


def _save(state, app_code, record):
    previous = state.app(app_code) or {}
    if record["status"] != "healthy":
        # Keep what is known to run, so a later no-op decision compares against reality.
        for key in ("context_hash", "config_inputs"):
            record.setdefault(key, previous.get(key))
    state.save_app(app_code, record)
    return record
