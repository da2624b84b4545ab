"""The cluster back-end interface: what the environment lifecycle needs from a cluster.

`local` (supervisord + nginx on one machine) is the first implementation; `marathon` follows.
Every method is idempotent: calling it again with the same arguments converges on the same state,
so an `env up` interrupted half-way can simply be run again.
"""

import concurrent.futures


class BackendError(Exception):
    """A one-line, user-facing failure of the back end (what failed and how to fix it)."""


class AppSpec(object):
    """One application instance to run in an environment.

    env, app: names (DNS labels / app codes); workdir: the unpacked artifact with rendered config;
    command: argv list (never a shell string); port: the PORT0 allocated for it;
    environment: extra environment variables; cpus, mem, instances: resources (advisory on local).
    What cluster back ends need besides (the local one ignores them): runtime (the registry's
    runtime type, which picks the image), artifact_key (the artifact's key in the store),
    commit, config_files (paths of the rendered config inside workdir), deploy_type (picks the
    cluster), force (override other deployments holding the app).
    """

    def __init__(
        self,
        env,
        app,
        workdir,
        command,
        port,
        environment=None,
        cpus=0.5,
        mem=256,
        instances=1,
        runtime=None,
        artifact_key=None,
        commit=None,
        config_files=(),
        deploy_type=None,
        force=False,
    ):
        self.env = env
        self.app = app
        self.workdir = workdir
        self.command = list(command)
        self.port = port
        self.environment = dict(environment or {})
        self.cpus = cpus
        self.mem = mem
        self.instances = instances
        self.runtime = runtime
        self.artifact_key = artifact_key
        self.commit = commit
        self.config_files = list(config_files)
        self.deploy_type = deploy_type
        self.force = force


class AppState(object):
    """What the back end knows of one app: state is one of running, starting, stopped, failed,
    missing; host/port where it answers; log_path for its combined output."""

    def __init__(self, app, state, host=None, port=None, log_path=None, detail=""):
        self.app = app
        self.state = state
        self.host = host
        self.port = port
        self.log_path = log_path
        self.detail = detail

    def as_dict(self):
        return {
            "app": self.app,
            "state": self.state,
            "host": self.host,
            "port": self.port,
            "log_path": self.log_path,
            "detail": self.detail,
        }


class AppInfo(AppState):
    """An AppState with what `env info ENV APP` shows besides (Backend.app_info gives it).

    started_at: when the app's current instance (process, task) started, as ISO-8601 UTC text
    ("2023-09-05T08:12:38Z"; a Marathon task's `startedAt` may keep its milliseconds), or None
    when it never started or the back end does not know;
    log_tail: the last lines of its output, as text ("" when there is none);
    ids: {name: text} naming the instance in the back end's own tools, for the links the pack
    config's URL templates make: "app_id" (Marathon's app id; local: the supervisor program),
    "task_id" (Mesos/Marathon task), "agent_id" and "framework_id" (a Mesos sandbox's path),
    "sandbox" (that sandbox's directory on its agent).
    Give only those known; never a credential.
    """

    def __init__(
        self,
        app,
        state,
        host=None,
        port=None,
        log_path=None,
        detail="",
        started_at=None,
        log_tail="",
        ids=None,
    ):
        super(AppInfo, self).__init__(app, state, host, port, log_path, detail)
        self.started_at = started_at
        self.log_tail = log_tail
        self.ids = dict(ids or {})

    @classmethod
    def of(cls, app_state, **info):
        """An AppInfo carrying APP_STATE's fields and INFO's (started_at, log_tail, ids)."""
        return cls(
            app_state.app,
            app_state.state,
            app_state.host,
            app_state.port,
            app_state.log_path,
            app_state.detail,
            **info,
        )

    def as_dict(self):
        result = super(AppInfo, self).as_dict()
        result.update(
            {"started_at": self.started_at, "log_tail": self.log_tail, "ids": dict(self.ids)}
        )
        return result


class Backend(object):
    """Abstract cluster back end."""

    name = "abstract"

    def allocate_port(self, env, app):
        """Return a port for ENV.APP, stable across calls while the environment exists."""
        raise NotImplementedError

    def allocate_ports(self, env, apps):
        """{app: port} for each of APPS, as allocate_port gives them (back ends may do it in
        one go)."""
        return {app: self.allocate_port(env, app) for app in apps}

    def addresses(self, env, codes, domain, router_port):
        """{code: {"host", "port", "url", "public_url"}}: where other apps reach each app (url,
        the direct http://HOST:PORT on this machine by default) and where a person opens it."""
        from qaeci.plan import public_url

        return {
            code: {
                "host": "127.0.0.1",
                "port": port,
                "url": "http://127.0.0.1:%d" % port,
                "public_url": public_url(code, env, domain, router_port),
            }
            for code, port in self.allocate_ports(env, codes).items()
        }

    def ensure_services(self, env, services, deploy_type=None):
        """Start the environment's base services. services: {name: options} from the template
        (mysql: {snapshot: NAME}, redis: {}, ...); deploy_type: the template's (picks the
        cluster). Returns {name: {"host", "port", ...}} (mysql adds user, password, database).
        Already-running services are left as they are."""
        raise NotImplementedError

    def prepare(self, spec):
        """Get everything ready to start spec's app at once later (config, route), without
        starting it or touching what runs now (until it listens, its URL answers 502).
        Optional: deploy works without it."""

    def prepare_all(self, specs):
        """prepare for several apps (back ends may do it in one go)."""
        for spec in specs:
            self.prepare(spec)

    def deploy(self, spec, settle=True):
        """Start (or restart) one app from an AppSpec and route APP.ENV.DOMAIN to it.
        Returns its AppState: once it has left its starting phase when settle, else as soon as
        it is launched (for callers that poll its checks themselves)."""
        raise NotImplementedError

    def status(self, env):
        """{app: AppState} for every app of the environment the back end runs."""
        raise NotImplementedError

    def app_status(self, env, app):
        """The AppState of one app, or None when the back end does not run it. Polled while an
        app starts, so back ends answer it without listing the whole environment."""
        return self.status(env).get(app)

    def app_info(self, env, app, log_lines=20):
        """The AppInfo of one app (at most LOG_LINES lines of log_tail; 0: none), or None when
        the back end does not run it: what `env info` shows beside the recorded deploy.
        One app only, so back ends answer it without listing the environment. This default
        knows no start time nor ids: back ends that do override it (local: supervisord's
        process info; marathon: the app's task and its agent)."""
        app_state = self.app_status(env, app)
        if app_state is None:
            return None
        log_tail = self.log_tail(env, app, lines=log_lines) if log_lines > 0 else ""
        return AppInfo.of(app_state, log_tail=log_tail)

    def services_status(self, env):
        """{name: {"status": "healthy"|"stopped"|..., "host", "port"}} for the env's services."""
        raise NotImplementedError

    def log_tail(self, env, app, lines=20):
        """The last lines of the app's output, as text."""
        raise NotImplementedError

    def destroy(self, env, apps=None):
        """Stop and remove the environment's apps (all, or only `apps`), their routes, and, when
        apps is None, its services and data directories. Missing things are not an error."""
        raise NotImplementedError

    def environments(self):
        """Names of environments that have anything running or on disk in this back end."""
        raise NotImplementedError


def ensure_services_in_parallel(env, wanted, ensure_one):
    """{name: ensure_one(name, options)} for every base service in WANTED, started side by side;
    one BackendError naming each service that failed (the others are left running)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(wanted)) as pool:
        futures = {name: pool.submit(ensure_one, name, options) for name, options in wanted.items()}
    results, failures = {}, []
    for name, future in sorted(futures.items()):
        try:
            results[name] = future.result()
        except BackendError as error:
            failures.append("%s: %s" % (name, error))
    if failures:
        raise BackendError("base services of %s failed: %s" % (env, "; ".join(failures)))
    return results
