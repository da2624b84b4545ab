"""The local back end: every environment on this machine, under one supervisord and one nginx.

Layout of work_dir:
  supervisor/            supervisord.conf, its socket, programs/ENV.APP.conf (one per program)
  router/                nginx config generations, `current` link, logs, temp dirs
  ports.json             {"ENV.APP": port} for apps and "ENV.svc-NAME" for base services
  envs/ENV/services.json the environment's base services: {name: {"port", "options"}}
  envs/ENV/data/NAME/    each base service's data directory and log
  logs/ENV/APP.log       each app's combined stdout and stderr
Programs are named ENV.APP and ENV.svc-NAME (supervisor allows dots in names).
"""

import json
import os
import re
import shutil
import time

from qaeci.backends.base import (
    AppInfo,
    AppState,
    Backend,
    BackendError,
    ensure_services_in_parallel,
)
from qaeci.backends.local_files import write_json
from qaeci.backends.local_locks import file_lock
from qaeci.backends.local_ports import PortRegistry, port_is_free
from qaeci.backends.local_supervisor import (
    BACKOFF,
    EXITED,
    FATAL,
    RUNNING,
    STARTING,
    STOPPED,
    STOPPING,
    ProgramSpec,
    Supervisor,
)
from qaeci.router import NginxRouter
from qaeci.services import service_for

HOST = "127.0.0.1"
SERVICE_PREFIX = "svc-"
ENV_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
APP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
STATE_NAMES = {
    RUNNING: "running",
    STARTING: "starting",
    BACKOFF: "starting",
    STOPPED: "stopped",
    STOPPING: "stopped",
    EXITED: "failed",
    FATAL: "failed",
}


def _holds_port(info):
    """Whether a program with this supervisor info may be the one bound to its port."""
    return info is not None and info["state"] in (RUNNING, STARTING, BACKOFF, STOPPING)


def check_env(env):
    if not ENV_NAME.match(env or ""):
        raise BackendError(
            "environment name %r is not a DNS label: use lowercase letters, "
            "digits and '-' (at most 63)" % env
        )


def check_app(app):
    if not APP_NAME.match(app or "") or app.startswith(SERVICE_PREFIX):
        raise BackendError(
            "app name %r is not valid here: use letters, digits, '_' and '-', "
            "not starting with %r" % (app, SERVICE_PREFIX)
        )


class LocalBackend(Backend):
    name = "local"

    def __init__(self, work_dir, domain="localhost", router_port=8080, artifact_store=None):
        self.work_dir = os.path.abspath(os.path.expanduser(work_dir))
        self.domain = domain
        self.router_port = int(router_port)
        self.artifact_store = artifact_store
        self.supervisor = Supervisor(self.work_dir)
        self.ports = PortRegistry(self.work_dir)
        self.router = NginxRouter(self.work_dir, self.supervisor, self.router_port, domain)

    # -- paths ---------------------------------------------------------------------------------
    def env_dir(self, env):
        return os.path.join(self.work_dir, "envs", env)

    def service_data_dir(self, env, name):
        return os.path.join(self.env_dir(env), "data", name)

    def app_log_path(self, env, app):
        return os.path.join(self.work_dir, "logs", env, app + ".log")

    @staticmethod
    def program_name(env, app):
        return "%s.%s" % (env, app)

    # -- ports ---------------------------------------------------------------------------------
    def allocate_port(self, env, app):
        """The recorded port of ENV.APP, or a new free one. A recorded port that another
        program has bound while the app was not running is replaced by a free one."""
        check_env(env)
        port = self.ports.allocate(env, app)
        if not port_is_free(port) and not self._holds_its_port(env, app):
            port = self.ports.reallocate(env, app)
        return port

    def allocate_ports(self, env, apps):
        check_env(env)
        ports = self.ports.allocate_many(env, apps)
        busy = [app for app, port in ports.items() if not port_is_free(port)]
        if busy:
            infos = self.supervisor.all_info()
            for app in busy:
                if not _holds_port(infos.get(self.program_name(env, app))):
                    ports[app] = self.ports.reallocate(env, app)
        return ports

    def _holds_its_port(self, env, app):
        return _holds_port(self.supervisor.info(self.program_name(env, app)))

    # -- apps ----------------------------------------------------------------------------------
    def prepare(self, spec):
        self.prepare_all([spec])

    def prepare_all(self, specs):
        programs, routes = [], {}
        for spec in specs:
            check_env(spec.env)
            check_app(spec.app)
            program, port = self._program(spec)
            programs.append(program)
            routes.setdefault(spec.env, {})[spec.app] = port
        if programs:
            self.supervisor.stage_all(programs)
        for env, ports in sorted(routes.items()):
            self.router.add_routes(env, ports)

    def deploy(self, spec, settle=True):
        check_env(spec.env)
        check_app(spec.app)
        if not os.path.isdir(spec.workdir):
            raise BackendError(
                "working directory %s of %s.%s does not exist: unpack the "
                "artifact first" % (spec.workdir, spec.env, spec.app)
            )
        program, port = self._program(spec)
        info = self.supervisor.run(program, settle=settle)
        self.router.add_route(spec.env, spec.app, port)
        return self._app_state(spec.app, info, port, program.log_path)

    def _program(self, spec):
        """(the supervisor ProgramSpec that runs spec, its port)."""
        port = spec.port or self.allocate_port(spec.env, spec.app)
        environment = dict(spec.environment)
        environment.update(
            {"PORT0": str(port), "HOST": HOST, "QAECI_ENV": spec.env, "QAECI_APP": spec.app}
        )
        os.makedirs(self.env_dir(spec.env), exist_ok=True)
        program = ProgramSpec(
            self.program_name(spec.env, spec.app),
            spec.command,
            spec.workdir,
            environment,
            self.app_log_path(spec.env, spec.app),
        )
        return program, port

    def status(self, env):
        check_env(env)
        prefix = env + "."
        infos = self.supervisor.all_info()
        names = set(self.supervisor.configured_programs()) | set(infos)
        ports = self.ports.of_env(env)
        states = {}
        for name in sorted(names):
            app = name[len(prefix) :]
            if not name.startswith(prefix) or app.startswith(SERVICE_PREFIX):
                continue
            states[app] = self._app_state(
                app, infos.get(name), ports.get(app), self.app_log_path(env, app)
            )
        return states

    def app_status(self, env, app):
        found = self._program_info(env, app)
        if found is None:
            return None
        return self._app_state(
            app, found[1], self.ports.lookup(env, app), self.app_log_path(env, app)
        )

    def app_info(self, env, app, log_lines=20):
        found = self._program_info(env, app)
        if found is None:
            return None
        name, info = found
        log_path = self.app_log_path(env, app)
        app_state = self._app_state(app, info, self.ports.lookup(env, app), log_path)
        started = (info or {}).get("start") or 0  # supervisord's epoch seconds; 0: never
        return AppInfo.of(
            app_state,
            started_at=_iso_utc(started) if started else None,
            log_tail=tail(log_path, log_lines),
            ids={"app_id": name},
        )

    def _program_info(self, env, app):
        """(program name, supervisor's process info or None), or None when ENV.APP is no
        program of this back end."""
        check_env(env)
        name = self.program_name(env, app)
        info = self.supervisor.info(name)
        if info is None and not os.path.exists(self.supervisor.program_config_path(name)):
            return None
        return name, info

    @staticmethod
    def _app_state(app, info, port, log_path):
        if info is None:
            return AppState(app, "stopped", HOST, port, log_path, "not running")
        state = STATE_NAMES.get(info["state"], "failed")
        detail = info.get("description", "")
        if state == "failed":
            detail = info.get("spawnerr") or ""
            if info["state"] == EXITED:
                detail = "exited with status %s" % info.get("exitstatus")
            elif not detail or detail.startswith("Exited too quickly"):
                detail = "exited at start"  # supervisor keeps no exit status for FATAL
            last_line = tail(log_path, 1).strip()
            if last_line:
                detail = "%s: %s" % (detail, last_line[:200])
        return AppState(app, state, HOST, port, log_path, detail)

    def log_tail(self, env, app, lines=20):
        check_env(env)
        if app.startswith(SERVICE_PREFIX):
            name = app[len(SERVICE_PREFIX) :]
            path = os.path.join(self.service_data_dir(env, name), name + ".log")
        else:
            path = self.app_log_path(env, app)
        return tail(path, lines)

    # -- base services -------------------------------------------------------------------------
    def _services_path(self, env):
        return os.path.join(self.env_dir(env), "services.json")

    def _recorded_services(self, env):
        try:
            with open(self._services_path(env)) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}

    def _record_service(self, env, name, port, options):
        os.makedirs(self.env_dir(env), exist_ok=True)
        with file_lock(self._services_path(env) + ".lock"):
            recorded = self._recorded_services(env)
            recorded[name] = {"port": port, "options": options}
            write_json(self._services_path(env), recorded)

    def ensure_services(self, env, services, deploy_type=None):
        """One machine serves every deploy type: deploy_type changes nothing here."""
        check_env(env)
        wanted = {name: dict(options or {}) for name, options in (services or {}).items()}
        for name in wanted:
            service_for(name, self.supervisor)  # refuse unknown names before starting any
        if not wanted:
            return {}
        self.supervisor.ensure_running()
        return ensure_services_in_parallel(
            env, wanted, lambda name, options: self._ensure_service(env, name, options)
        )

    def _ensure_service(self, env, name, options):
        port = self.ports.allocate(env, SERVICE_PREFIX + name)
        service = service_for(name, self.supervisor, self.artifact_store)
        data_dir = self.service_data_dir(env, name)
        if service.status(env, data_dir, port) != "healthy" and not port_is_free(port):
            port = self.ports.reallocate(env, SERVICE_PREFIX + name)
        self._record_service(env, name, port, options)
        info = service.start(env, self.service_data_dir(env, name), port, options)
        return {key: value for key, value in info.items() if key != "socket"}

    def services_status(self, env):
        check_env(env)
        result = {}
        for name, record in sorted(self._recorded_services(env).items()):
            service = service_for(name, self.supervisor, self.artifact_store)
            state = service.status(env, self.service_data_dir(env, name), record["port"])
            result[name] = {"status": state, "host": HOST, "port": record["port"]}
        return result

    def create_snapshot(self, env, name):
        """Take a standard snapshot of env's running MariaDB into the artifact store."""
        check_env(env)
        record = self._recorded_services(env).get("mysql")
        if record is None:
            raise BackendError(
                "environment %s has no mysql service to snapshot: add mysql to "
                "its template's services" % env
            )
        service = service_for("mysql", self.supervisor, self.artifact_store)
        return service.create_snapshot(
            env, self.service_data_dir(env, "mysql"), record["port"], name
        )

    def list_snapshots(self):
        from qaeci.services import snapshots

        if self.artifact_store is None:
            return []
        return snapshots.list_snapshots(self.artifact_store, with_metadata=True)

    # -- teardown ------------------------------------------------------------------------------
    def destroy(self, env, apps=None):
        check_env(env)
        prefix = env + "."
        programs = [name for name in self._known_programs() if name.startswith(prefix)]
        if apps is not None:
            wanted = {self.program_name(env, app) for app in apps}
            programs = [name for name in programs if name in wanted]
        for name in programs:
            self.supervisor.remove(name)
        if env in self.router.routes():
            self.router.remove_routes(env, None if apps is None else list(apps))
        if apps is None:
            self.ports.release(env)
            shutil.rmtree(self.env_dir(env), ignore_errors=True)
            shutil.rmtree(os.path.join(self.work_dir, "logs", env), ignore_errors=True)
        else:
            # Ports stay while the environment exists: other apps' rendered config names them.
            for app in apps:
                path = self.app_log_path(env, app)
                if os.path.exists(path):
                    os.unlink(path)
        if not self.environments():
            self.shutdown()

    def shutdown(self):
        """Stop nginx and supervisord (and so every program) of this work_dir."""
        if self.supervisor.is_running():
            self.router.stop()
            self.supervisor.shutdown()

    def _known_programs(self):
        return set(self.supervisor.configured_programs()) | set(self.supervisor.all_info())

    def environments(self):
        names = set(self.ports.environments()) | set(self.router.routes())
        envs_root = os.path.join(self.work_dir, "envs")
        if os.path.isdir(envs_root):
            names |= set(os.listdir(envs_root))
        names |= {name.split(".", 1)[0] for name in self._known_programs() if "." in name}
        return sorted(name for name in names if ENV_NAME.match(name))


def _iso_utc(epoch_seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


def tail(path, lines):
    """The last `lines` lines of a text file ("" if it does not exist)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            chunk = 4096
            data = b""
            while size > 0 and data.count(b"\n") <= lines:
                step = min(chunk, size)
                size -= step
                handle.seek(size)
                data = handle.read(step) + data
                chunk *= 2
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:]) if lines > 0 else ""
