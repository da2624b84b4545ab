"""The environment lifecycle steps that the pack's actions call, and their output shapes
(DESIGN.md section 6).

env_up runs as: plan -> (services, builds, deploys in parallel) -> report. Builds and deploys
are separate executions per app that meet through the datastore: a deploy item waits until its
own artifact is built (or found in the store), the base services are up, and each of its own
dependencies has a final outcome in this run; so an app starts as soon as ITS dependencies are
healthy, never in waves.
"""
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from qaeci import build as build_mod
from qaeci import checks, plan as plan_mod
from qaeci import report as report_mod
from qaeci.artifacts import open_store
from qaeci.config import PackConfig, open_backend
from qaeci.errors import (ConfigError, EnvironmentNotFound, PermissionRefused, PlanError,
                          QaeciError)
from qaeci.registry import App, Registry, check_env_name
from qaeci.state import EnvState, environment_names

FINAL_APP_STATUSES = ("healthy", "failed", "skipped")
BUILD_OUTCOMES = ("built", "cached", "failed")
# Waiting deploy items poll the datastore: quickly at first, then more gently. Every poll wakes
# a process, and a cold env up has one waiting per app while the builds need the CPU, so a
# dependency is polled quickly only once it is being checked (about to pass): its dependents
# then start within 0.05 s of it.
WAIT_FIRST_INTERVAL = 0.05
WAIT_MAX_INTERVAL = 0.1
DEPENDENCY_CHECKING_INTERVAL = 0.05
DEPENDENCY_WAITING_INTERVAL = 0.25
DEFAULT_WAIT_TIMEOUT = 3600
PLAN_THREADS = 8


class Lifecycle(object):
    """Everything one action needs: config, registry, artifact store, back end, datastore.
    The back end and store can be injected (tests); otherwise they come from the config."""

    def __init__(self, config, datastore, backend=None, store=None, registry=None):
        self.config = config if isinstance(config, PackConfig) else PackConfig(config)
        self.datastore = datastore
        self._backend = backend
        self._store = store
        self._registry = registry

    @property
    def store(self):
        if self._store is None:
            self._store = open_store(self.config.artifact_store)
        return self._store

    @property
    def backend(self):
        if self._backend is None:
            self._backend = open_backend(self.config, self.store)
        return self._backend

    @property
    def registry(self):
        if self._registry is None:
            self._registry = Registry.load(self.config.registry_path)
        return self._registry

    def state(self, env):
        return EnvState(self.datastore, env)

    # -- plan ---------------------------------------------------------------------------------
    def plan(self, env, template=None, apps=None, branch=None, branches=None, requested_by=None):
        """Validate everything, resolve commits, decide builds and deploys; record the run."""
        check_env_name(env)
        state = self.state(env)
        existing = state.environment()
        tmpl = self._template_for(env, template, existing)
        registry_apps = self.registry.apps
        selected = plan_mod.select_apps(tmpl, registry_apps, apps)
        order = plan_mod.dependency_order(registry_apps, selected)
        chosen = plan_mod.choose_branches(tmpl, registry_apps, selected, branch, branches or {})
        commits = plan_mod.resolve_commits(registry_apps, chosen)
        addresses = plan_mod.addresses_for(self.backend, env, tmpl.app_codes, self.config.domain,
                                           self.config.router_port)
        services = ((state.services() or {}).get("services")) or {}
        running = self.backend.status(env)
        run = uuid.uuid4().hex[:12]
        result = plan_mod.Plan(env, tmpl, {}, order, addresses)
        # Deciding may probe check URLs of unchanged apps: do it for all apps at once.
        with ThreadPoolExecutor(max_workers=PLAN_THREADS) as pool:
            entries = pool.map(lambda code: self._plan_app(
                state, tmpl, registry_apps[code], commits[code], addresses, services,
                running.get(code), selected), order)
            result.apps = {entry.code: entry for entry in entries}
        self._record_plan(state, existing, tmpl, result, run, requested_by)
        return {"env": env, "template": tmpl.name, "run": run, "build": result.to_build,
                "deploy": result.to_deploy, "unchanged": result.unchanged,
                "build_concurrency": self.config.build_concurrency,
                "reasons": {code: result.apps[code].deploy_reason for code in result.to_deploy},
                "branches": {code: result.apps[code].branch for code in result.order}}

    def _template_for(self, env, template, existing):
        """The template asked for, else the one the env was made from, else the env's name."""
        recorded = (existing or {}).get("template")
        name = template or recorded or env
        if recorded and recorded != name:
            raise PlanError("environment %s was made from template %s; fix: use template=%s or "
                            "take it down first" % (env, recorded, recorded))
        return self.registry.template(name)

    def _plan_app(self, state, tmpl, app, branch_and_commit, addresses, services, app_state,
                  selected):
        """One app's plan entry: build key, whether to build, whether to (re)deploy and why."""
        branch, commit = branch_and_commit
        entry = plan_mod.AppPlan(app.code, branch, commit, plan_mod.build_key(app, commit),
                                 addresses[app.code], [d for d in app.depends_on if d in selected])
        entry.needs_build = not self.store.exists(entry.build_key)
        previous = state.app(app.code)
        entry.context_hash = plan_mod.config_hash(entry.build_key, self._variables(
            state.env, tmpl.deploy_type, app.code, addresses, services), previous)
        is_running = app_state is not None and app_state.state in ("running", "starting")
        entry.needs_deploy, entry.deploy_reason = plan_mod.decide_deploy(
            entry, previous, is_running, app.check_urls)
        return entry

    def _record_plan(self, state, existing, tmpl, result, run, requested_by):
        record = dict(existing or {})
        record.update({"env": result.env, "template": tmpl.name, "deploy_type": tmpl.deploy_type,
                       "managers": tmpl.managers, "run": run, "selected": result.order,
                       "addresses": result.addresses, "service_names": sorted(tmpl.services),
                       "services_wanted": tmpl.services,
                       "plan": {code: entry.as_dict() for code, entry in result.apps.items()},
                       "updated_at": _now()})
        # The run works from this copy of the app definitions, so later steps need not reload
        # (or be surprised by edits to) the registry.
        app_defs = dict(record.get("app_defs") or {})
        app_defs.update({code: self.registry.apps[code].data for code in result.order})
        record["app_defs"] = app_defs
        record.setdefault("creator", requested_by or "unknown")
        record.setdefault("created_at", _now())
        known = set(record.get("apps") or []) | set(result.order)
        record["apps"] = sorted(known)
        state.save_environment(record)
        for code in result.order:
            entry = result.apps[code]
            if not entry.needs_build:
                state.save_build(code, {"run": run, "status": "cached", "build_key": entry.build_key,
                                        "commit": entry.commit, "built": False})
            if not entry.needs_deploy:
                state.update_app(code, run=run, status="healthy", built=False, deployed=False,
                                 stage=None, reason="", last_check={"at": _now(), "ok": True})

    def _variables(self, env, deploy_type, code, addresses, services):
        return render_variables(env, self.config.domain, deploy_type, code, addresses, services)

    # -- services -----------------------------------------------------------------------------
    def services(self, env, run):
        state = self.state(env)
        environment = state.environment()
        wanted = environment.get("services_wanted") or {}
        try:
            services = self.backend.ensure_services(env, wanted) if wanted else {}
            record = {"run": run, "status": "healthy", "services": services}
        except Exception as error:  # any failure is reported per app that needs the service
            record = {"run": run, "status": "failed", "reason": _one_line(error), "services": {}}
        state.save_services(record)
        self._prepare_ahead(state.env, environment)
        return record

    def _prepare_ahead(self, env, environment):
        """Everything the back end can ready before the builds end (each app's program config
        and route), for all of this run's deploys in one go, while they build: no app waits
        for it when it starts. Not final: each deploy prepares its own app again."""
        from qaeci import deploy
        specs = []
        for code, entry in environment["plan"].items():
            if not entry.get("needs_deploy"):
                continue
            try:
                specs.append(deploy.app_spec(recorded_app(environment, code), env,
                                             self.config.work_dir, entry["address"]))
            except QaeciError:
                continue  # its command needs the artifact (java): prepared by its deploy
        try:
            self.backend.prepare_all(specs)
        except Exception:  # reported by the deploy of the app concerned, if it persists
            pass

    # -- build one app ------------------------------------------------------------------------
    def build(self, env, app_code, run):
        state = self.state(env)
        environment = state.environment()
        entry = environment["plan"][app_code]
        app = recorded_app(environment, app_code)
        state.save_build(app_code, {"run": run, "status": "building", "build_key": entry["build_key"],
                                    "commit": entry["commit"]})
        try:
            outcome = build_mod.build_app(app, entry["commit"], entry["build_key"], self.store,
                                          self.config.work_dir)
        except Exception as error:  # record it: deploy steps are waiting for this outcome
            outcome = build_mod.BuildResult(False, entry["build_key"], "", _one_line(error))
        record = {"run": run, "status": "built" if outcome.ok else "failed",
                  "build_key": entry["build_key"], "commit": entry["commit"], "built": outcome.ok,
                  "log_path": outcome.log_path, "reason": outcome.reason,
                  "seconds": round(outcome.seconds, 3)}
        if not outcome.ok:
            record["log_tail"] = _tail_file(outcome.log_path)
        state.save_build(app_code, record)
        return record

    # -- deploy one app -----------------------------------------------------------------------
    def deploy(self, env, app_code, run, wait_timeout=DEFAULT_WAIT_TIMEOUT):
        try:
            return self._deploy(env, app_code, run, wait_timeout)
        except Exception as error:  # record it: dependents are waiting for this outcome
            state = self.state(env)
            entry = state.environment()["plan"][app_code]
            return self._fail(state, app_code, run, entry, "deploy", _one_line(error))

    def _deploy(self, env, app_code, run, wait_timeout):
        state = self.state(env)
        environment = state.environment()
        entry = environment["plan"][app_code]
        app = recorded_app(environment, app_code)
        deadline = time.monotonic() + wait_timeout
        build_record = self._wait_for(
            lambda: _of_run(state.build(app_code), run, BUILD_OUTCOMES), deadline)
        if build_record is None:
            return self._fail(state, app_code, run, entry, "build", "no build outcome within %ss"
                              % wait_timeout)
        if build_record["status"] == "failed":
            record = self._fail(state, app_code, run, entry, "build", build_record.get("reason"),
                                log_tail=build_record.get("log_tail", ""))
            return record
        built = build_record.get("built", False)
        services = self._wait_for(lambda: _of_run(state.services(), run, ("healthy", "failed")),
                                  deadline)
        if services is None or (services["status"] == "failed" and app.services):
            reason = "base services failed: %s" % (services or {}).get("reason",
                                                                      "not started in time")
            return self._fail(state, app_code, run, entry, "deploy", reason, built=built)
        # Unpack, render and stage it while the dependencies start: it needs only their
        # addresses.
        try:
            spec, release, reads = self._prepare(state, environment, app, entry,
                                                 services["services"])
        except Exception as error:  # render errors, store errors: stage deploy
            return self._fail(state, app_code, run, entry, "deploy", _one_line(error), built=built)
        timings = {"prepared": _epoch()}
        state.update_app(app_code, run=run, status="deploying", stage="deploy")
        for dependency in entry["depends_on"]:
            outcome = self._wait_for_dependency(state, dependency, run, deadline)
            if outcome is None or outcome["status"] != "healthy":
                what = "did not finish in time" if outcome is None else outcome["status"]
                reason = "depends on %s, which %s" % (dependency, "failed" if what == "skipped"
                                                        else what)
                return self._save(state, app_code, {"run": run, "status": "skipped",
                                                    "reason": reason, "built": built,
                                                    "deployed": False, "commit": entry["commit"]})
        return self._start(state, app, entry, run, spec, release, reads, built, timings)

    def _prepare(self, state, environment, app, entry, services):
        """(the back end's AppSpec, staged; its release directory; config variables its
        templates read)."""
        from qaeci import deploy  # imports Jinja: only the steps that deploy pay for it
        variables = self._variables(state.env, environment.get("deploy_type"), app.code,
                                    environment["addresses"], services)
        reads = {}
        release, _ = deploy.prepare_release(app, entry["build_key"], self.store,
                                            self.config.work_dir, state.env, variables, reads)
        spec = deploy.app_spec(app, state.env, self.config.work_dir, entry["address"], release)
        self.backend.prepare(spec)
        return spec, release, reads

    def _start(self, state, app, entry, run, spec, release, reads, built, timings):
        """Launch the prepared release and wait for its checks. The record's timings say when
        (epoch seconds) it was prepared, its dependencies were healthy, it was launched and it
        passed its checks: where a slow deploy spent its time."""
        from qaeci import deploy
        env = state.env
        timings["dependencies_healthy"] = _epoch()
        try:
            deploy.activate_release(self.config.work_dir, env, app.code, release)
            state.update_app(app.code, run=run, status="deploying", stage="check")
            stage, result = deploy.start_and_check(self.backend, app, spec, entry["address"],
                                                   timings)
        except Exception as error:  # a bad runtime or a back-end failure: stage deploy
            return self._fail(state, app.code, run, entry, "deploy", _one_line(error), built=built)
        if stage is None:
            stage, result = self._still_running(env, app.code, result)
        if stage is not None:
            return self._fail(state, app.code, run, entry, stage, result.reason, built=built,
                              deployed=True)
        deploy.prune_releases(self.config.work_dir, env, app.code, release)
        return self._save(state, app.code, {
            "run": run, "status": "healthy", "stage": None, "reason": "", "commit": entry["commit"],
            "branch": entry["branch"], "build_key": entry["build_key"],
            "context_hash": plan_mod.context_hash(entry["build_key"], reads),
            "config_inputs": reads, "port": entry["address"]["port"],
            "built": built, "deployed": True, "last_check": {"at": _now(), "ok": True},
            "timings": dict(timings, healthy=_epoch())})

    def _still_running(self, env, app_code, result):
        app_state = self.backend.app_status(env, app_code)
        if app_state is None or app_state.state not in ("running", "starting"):
            detail = app_state.detail if app_state is not None else "missing"
            return "check", checks.CheckResult(False, "process is not running (%s)" % detail)
        return None, result

    def _fail(self, state, app_code, run, entry, stage, reason, log_tail=None, built=False,
              deployed=False):
        if log_tail is None:
            log_tail = self._log_tail(state.env, app_code)
        return self._save(state, app_code, {
            "run": run, "status": "failed", "stage": stage, "reason": _one_line(reason),
            "commit": entry["commit"], "branch": entry["branch"], "build_key": entry["build_key"],
            "port": entry["address"]["port"], "built": built, "deployed": deployed,
            "log_tail": log_tail, "last_check": {"at": _now(), "ok": False,
                                                 "reason": _one_line(reason)}})

    def _save(self, state, app_code, record):
        previous = state.app(app_code) or {}
        if record["status"] != "healthy":
            # Keep what is known to run, so a later no-op decision compares against reality.
            for key in ("context_hash", "config_inputs"):
                record.setdefault(key, previous.get(key))
        state.save_app(app_code, record)
        return record

    def _log_tail(self, env, app_code):
        try:
            return self.backend.log_tail(env, app_code, lines=20) or ""
        except Exception:
            return ""

    @staticmethod
    def _wait_for(probe, deadline, pace=None):
        """Poll PROBE until it returns a value or DEADLINE passes (bounded in time and count).
        pace() gives the seconds until the next poll; by default quickly at first, then more
        gently."""
        interval = WAIT_FIRST_INTERVAL
        shortest = min(WAIT_FIRST_INTERVAL, DEPENDENCY_CHECKING_INTERVAL)
        for _ in range(int(DEFAULT_WAIT_TIMEOUT * 2 / shortest) + 1):
            value = probe()
            if value is not None:
                return value
            if time.monotonic() >= deadline:
                return None
            time.sleep(pace() if pace else interval)
            interval = min(WAIT_MAX_INTERVAL, interval * 1.5)
        return None

    def _wait_for_dependency(self, state, dependency, run, deadline):
        """DEPENDENCY's final record in RUN, or None at DEADLINE; polled quickly only while
        the dependency is being checked."""
        last = {}

        def final_record():
            last["record"] = state.app(dependency)
            return _of_run(last["record"], run, FINAL_APP_STATUSES)

        def pace():
            record = last["record"]
            checking = _of_run(record, run, ("deploying",)) and record.get("stage") == "check"
            return DEPENDENCY_CHECKING_INTERVAL if checking else DEPENDENCY_WAITING_INTERVAL

        return self._wait_for(final_record, deadline, pace)

    # -- report -------------------------------------------------------------------------------
    def report(self, env, run=None):
        """The env_up output for RUN (default: the latest), plus whether every app is healthy."""
        state = self.state(env)
        environment = self._existing(state)
        healthy, output = report_mod.run_report(
            environment, state.apps(), run or environment.get("run"), state.services(),
            self.config.domain, self.config.router_port)
        return {"healthy": healthy, "output": output}

    @staticmethod
    def _existing(state):
        environment = state.environment()
        if environment is None:
            raise EnvironmentNotFound("environment %s does not exist; fix: bring it up with "
                                      "env up %s" % (state.env, state.env))
        return environment

    # -- status, list ------------------------------------------------------------------------
    def status(self, env):
        """env_status: every app of the environment as it is now (checked once, now)."""
        check_env_name(env)
        state = self.state(env)
        environment = self._existing(state)
        running = self.backend.status(env)
        records = state.apps()
        apps = {code: self._app_now(environment, code, records.get(code) or {}, running.get(code))
                for code in environment.get("apps") or []}
        services = {name: dict(info) for name, info in
                    (self.backend.services_status(env) or {}).items()}
        return report_mod.envelope(environment, apps, services)

    def _app_now(self, environment, code, record, app_state):
        entry = report_mod.app_output(environment, code, record, self.config.domain,
                                      self.config.router_port)
        entry["status"], reason = self._status_now(code, record, app_state, environment)
        if entry["status"] not in ("healthy", "skipped"):
            entry["reason"] = reason or record.get("reason", "")
            entry.setdefault("stage", record.get("stage"))
            entry["log_tail"] = self._log_tail(environment["env"], code)
        entry["last_check"] = record.get("last_check")
        entry.pop("built", None)
        entry.pop("deployed", None)
        return entry

    def _status_now(self, code, record, app_state, environment):
        if app_state is None or app_state.state not in ("running", "starting"):
            if record.get("status") in ("failed", "skipped"):
                return record["status"], record.get("reason", "")
            return "stopped", "not running (%s)" % (app_state.state if app_state else "missing")
        app = recorded_app(environment, code)
        address = (environment.get("addresses") or {}).get(code)
        if app is None or address is None:
            return "unhealthy", "unknown to the registry"
        result = checks.check_once(address["url"], app.check_urls)
        self.state(environment["env"]).update_app(code, last_check={"at": _now(), "ok": result.ok,
                                                                   "reason": result.reason})
        return ("healthy", "") if result.ok else ("unhealthy", result.reason)

    def list(self):
        environments = []
        for name in environment_names(self.datastore):
            record = self.state(name).environment() or {}
            statuses = [((self.state(name).app(code) or {}).get("status")) for code in
                        record.get("apps") or []]
            environments.append({"env": name, "template": record.get("template"),
                                 "creator": record.get("creator"),
                                 "deploy_type": record.get("deploy_type"),
                                 "apps": len(statuses),
                                 "healthy": sum(1 for status in statuses if status == "healthy"),
                                 "updated_at": record.get("updated_at")})
        return {"environments": environments}

    # -- MariaDB standard snapshots -----------------------------------------------------------
    def create_snapshot(self, env, name):
        check_env_name(env)
        if not _SNAPSHOT_NAME.match(name or ""):
            raise PlanError("snapshot name %r is invalid; fix: use lower-case letters, digits, "
                            "'.', '_' and '-'" % (name,))
        if self.state(env).environment() is None:
            raise EnvironmentNotFound("environment %s does not exist; fix: check the name with "
                                      "env list" % env)
        create = getattr(self.backend, "create_snapshot", None)
        if create is None:
            raise ConfigError("back end %s cannot take snapshots; fix: use the local back end"
                              % self.config.backend)
        return {"env": env, "snapshot": name, "details": create(env, name)}

    def list_snapshots(self):
        lister = getattr(self.backend, "list_snapshots", None)
        if lister is None:
            raise ConfigError("back end %s cannot list snapshots; fix: use the local back end"
                              % self.config.backend)
        return {"snapshots": lister()}

    # -- permissions, down, rebuild-failed ----------------------------------------------------
    def authorize(self, env, user, verb):
        """Refuse USER unless a manager of the env's template or its creator."""
        environment = self.state(env).environment()
        if environment is None:
            raise EnvironmentNotFound("environment %s does not exist; fix: check the name with "
                                      "env list" % env)
        managers = list(environment.get("managers") or [])
        try:
            managers = self.registry.template(environment["template"]).managers
        except Exception:  # a template removed since: the recorded managers still apply
            pass
        creator = environment.get("creator")
        if user and (user in managers or user == creator):
            return environment
        raise PermissionRefused("%s may not %s environment %s: only its managers (%s) and its "
                                "creator (%s) may; fix: ask one of them" % (
                                    user or "an unknown user", verb, env,
                                    ", ".join(managers) or "none", creator or "unknown"))

    def down(self, env, apps=None, user=None):
        check_env_name(env)
        environment = self.authorize(env, user, "take down")
        known = list(environment.get("apps") or [])
        if apps:
            unknown = [code for code in apps if code not in known]
            if unknown:
                raise PlanError("%s not in environment %s; fix: pick from %s"
                                % (", ".join(unknown), env, ", ".join(known) or "none"))
        self.backend.destroy(env, apps=list(apps) if apps else None)
        from qaeci import deploy
        deploy.remove_releases(self.config.work_dir, env, list(apps) if apps else None)
        state = self.state(env)
        if apps:
            for code in apps:
                state.forget_app(code)
            environment["apps"] = [code for code in known if code not in apps]
            environment["selected"] = [code for code in environment.get("selected") or []
                                       if code not in apps]
            state.save_environment(environment)
            return {"env": env, "removed": sorted(apps), "remaining": environment["apps"]}
        state.forget()
        return {"env": env, "removed": sorted(known), "remaining": []}

    def failed_apps(self, env, user=None):
        """Apps whose last build, deploy or check failed, plus everything depending on them."""
        environment = self.authorize(env, user, "rebuild")
        records = self.state(env).apps()
        broken = set(code for code in environment.get("apps") or []
                     if (records.get(code) or {}).get("status") in ("failed", "skipped", None))
        depends_on = {code: set((definition or {}).get("depends_on") or [])
                      for code, definition in (environment.get("app_defs") or {}).items()}
        grown = True
        while grown:
            dependents = set(code for code in environment.get("apps") or []
                             if depends_on.get(code, set()) & broken) - broken
            broken |= dependents
            grown = bool(dependents)
        return {"env": env, "template": environment["template"], "apps": sorted(broken)}


def recorded_app(environment, code):
    """The app definition as planned (None if the environment never planned it)."""
    definition = (environment.get("app_defs") or {}).get(code)
    return App(definition, "recorded plan of %s" % environment["env"]) if definition else None


def render_variables(env, domain, deploy_type, code, addresses, services):
    from qaeci import render  # Jinja is imported only by the steps that render
    return render.template_variables(env, domain, deploy_type, code, addresses, services)


_SNAPSHOT_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


def _of_run(record, run, statuses):
    if record and record.get("run") == run and record.get("status") in statuses:
        return record
    return None


def _tail_file(path, lines=20):
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""


def _one_line(error):
    text = str(error).strip().splitlines()
    return text[0] if text else error.__class__.__name__


def _epoch():
    return round(time.time(), 3)


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
