"""The Marathon back end: every environment is a Marathon group `/qaeci/ENV` on the Marathon of
its template's deploy type (pack config `clusters`), its apps `/qaeci/ENV/APP` and its base
services `/qaeci/ENV/svc.NAME` (marathon_ids.py).

Apps reach each other, and people reach them, through marathon-lb: each app's `HAPROXY_0_VHOST`
is APP.ENV.DOMAIN, so its address is http://APP.ENV.DOMAIN (marathon.lb_port, 80 by default).
qaeci's own checks go to the task itself: the AppState host and port of its running task.

An environment lives on one Marathon. The deploy type picks it when the caller names one (AppSpec
deploy_type, ensure_services' deploy_type); otherwise the Marathon that already holds the env's
group, else the only configured one.

An app's log is its task's own stdout and stderr, read from the task's Mesos sandbox through the
cluster's Mesos master (clusters.NAME.mesos_url, mesos_sandbox.py); without one, or when Mesos
cannot say, it is what Marathon knows of the app's tasks, after one line saying why.
"""

import socket
import time

from qaeci.backends import marathon_ids
from qaeci.backends.base import (
    AppInfo,
    AppState,
    Backend,
    BackendError,
    ensure_services_in_parallel,
)
from qaeci.backends.marathon_apps import AppDefinitions
from qaeci.backends.marathon_client import MarathonClient
from qaeci.backends.marathon_deployments import (
    DeploymentFailed,
    Deployments,
    current_failure,
    paced,
    running_tasks,
)
from qaeci.backends.marathon_services import ServiceDefinitions
from qaeci.backends.mesos_sandbox import MesosSandboxes, SandboxUnavailable

LIVE = ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING")
SERVICE_START_TIMEOUT = 120.0


class MarathonBackend(Backend):
    name = "marathon"

    def __init__(
        self,
        clients,
        store,
        work_dir,
        domain,
        images=None,
        service_images=None,
        haproxy_group="external",
        lb_port=80,
        lock_wait=60.0,
        deployment_timeout=600.0,
        sandboxes=None,
    ):
        if not clients:
            raise BackendError(
                "backend marathon has no clusters; fix: add clusters.DEPLOY_TYPE."
                "marathon_url to the pack config"
            )
        self.clients = dict(clients)
        self.store = store
        self.domain = domain
        self.lb_port = int(lb_port)
        self.lock_wait = lock_wait
        self.deployment_timeout = deployment_timeout
        self.apps = AppDefinitions(store, domain, images, haproxy_group)
        self.services = ServiceDefinitions(store, work_dir, service_images)
        self.sandboxes = dict(sandboxes or {})  # cluster name -> MesosSandboxes
        self._env_clients = {}

    @classmethod
    def from_config(cls, config, store):
        settings = config.marathon
        timeout = float(settings.get("request_timeout", 10))
        clients = {
            name: MarathonClient(
                name, cluster.marathon_url, cluster.marathon_auth, cluster.marathon_ca_file, timeout
            )
            for name, cluster in config.clusters.items()
        }
        sandboxes = {
            name: MesosSandboxes(name, cluster.mesos_url, timeout)
            for name, cluster in config.clusters.items()
            if cluster.mesos_url
        }
        return cls(
            clients,
            store,
            config.work_dir,
            config.domain,
            images=settings.get("images"),
            service_images=settings.get("service_images"),
            haproxy_group=settings.get("haproxy_group", "external"),
            lb_port=settings.get("lb_port", 80),
            lock_wait=float(settings.get("lock_wait", 60)),
            deployment_timeout=float(settings.get("deployment_timeout", 600)),
            sandboxes=sandboxes,
        )

    # -- which Marathon ----------------------------------------------------------------------

    def client_for(self, env, deploy_type=None, required=True):
        """The Marathon of ENV (see the module docstring); None when not required and unknown."""
        if deploy_type:
            if deploy_type not in self.clients:
                raise BackendError(
                    "deploy type %s has no Marathon; fix: add clusters.%s."
                    "marathon_url to the pack config (configured: %s)"
                    % (deploy_type, deploy_type, ", ".join(sorted(self.clients)))
                )
            self._env_clients[env] = self.clients[deploy_type]
        if env not in self._env_clients:
            holders = [
                client
                for _, client in sorted(self.clients.items())
                if client.group(marathon_ids.env_group(env)) is not None
            ]
            if holders:
                self._env_clients[env] = holders[0]
            elif len(self.clients) == 1:
                self._env_clients[env] = next(iter(self.clients.values()))
            elif required:
                raise BackendError(
                    "environment %s is on none of the Marathons (%s) and its deploy "
                    "type was not given; fix: name the deploy type in its template"
                    % (env, ", ".join(sorted(self.clients)))
                )
            else:
                return None
        return self._env_clients[env]

    def deployments(self, client):
        return Deployments(client, self.lock_wait, self.deployment_timeout)

    # -- addresses ---------------------------------------------------------------------------

    def allocate_port(self, env, app):
        """Marathon gives each task its port; others reach the app through marathon-lb."""
        marathon_ids.app_id(env, app)
        return self.lb_port

    def addresses(self, env, codes, domain, router_port):
        result = {}
        for code in codes:
            host = self.apps.vhost(env, code)
            port = self.allocate_port(env, code)
            url = "http://%s" % host if port == 80 else "http://%s:%d" % (host, port)
            result[code] = {"host": host, "port": port, "url": url, "public_url": url + "/"}
        return result

    # -- apps --------------------------------------------------------------------------------

    def deploy(self, spec, settle=True):
        """PUT the app and follow its deployment to the end (Marathon has launched it when its
        tasks run), whatever settle says. A failed launch gives a failed AppState."""
        client = self.client_for(spec.env, spec.deploy_type)
        definition = self.apps.definition(spec)
        app_id = definition["id"]
        deployments = self.deployments(client)
        deployment_id = deployments.change(
            "app %s" % app_id,
            lambda force: client.put_app(app_id, definition, force),
            force=spec.force,
        )
        try:
            app = deployments.follow_app(deployment_id, app_id)
        except DeploymentFailed as failure:
            return AppState(spec.app, "failed", detail=str(failure))
        return app_state(spec.app, app)

    def status(self, env):
        client = self.client_for(env, required=False)
        if client is None:
            return {}
        states = {}
        for app in client.apps_under(marathon_ids.env_group(env)):
            parsed = marathon_ids.parse_app_id(app["id"])
            if parsed and not marathon_ids.is_service_segment(parsed[1]):
                states[parsed[1]] = app_state(parsed[1], app)
        return states

    def app_status(self, env, app):
        client = self.client_for(env, required=False)
        if client is None:
            return None
        found = client.app(marathon_ids.app_id(env, app))
        return None if found is None else app_state(app, found)

    def app_info(self, env, app, log_lines=20):
        """The app's AppInfo: its task (the running one, else the one starting; the one that
        last failed when the app failed) gives started_at, the ids a Mesos sandbox link needs
        (task_id, agent_id, sandbox: its directory; framework_id is Marathon's own) and
        log_tail, that task's output."""
        client = self.client_for(env, required=False)
        found = client and client.app(marathon_ids.app_id(env, app))
        if not found:
            return None
        state = app_state(app, found)
        task, task_id, agent_id = _described_task(found, state)
        sandbox, log = self._sandbox_and_log(client, found, task_id, agent_id, log_lines)
        ids = {
            "app_id": found["id"],
            "framework_id": (client.info() or {}).get("frameworkId"),
            "task_id": task_id,
            "agent_id": agent_id,
            "sandbox": sandbox and sandbox.directory,
        }
        return AppInfo.of(
            state,
            started_at=(task or {}).get("startedAt"),
            log_tail=log,
            ids={name: value for name, value in ids.items() if value},
        )

    def log_tail(self, env, app, lines=20):
        """The last lines of the output of the task app_info describes (see the module
        docstring)."""
        client = self.client_for(env, required=False)
        found = client and client.app(marathon_ids.app_id(env, app))
        if not found:
            return ""
        _, task_id, agent_id = _described_task(found, app_state(app, found))
        return self._sandbox_and_log(client, found, task_id, agent_id, lines)[1]

    def _sandbox_and_log(self, client, app, task_id, agent_id, lines):
        """(Sandbox or None, the last LINES lines of the task's own output). When Mesos cannot
        say, the log is Marathon's view of the app after one line saying why."""
        sandbox = None
        try:
            sandbox = self._sandbox(client.name, task_id, agent_id)
            return sandbox, (sandbox.tail(lines) if lines > 0 else "")
        except SandboxUnavailable as why:
            if lines <= 0:
                return sandbox, ""
            marathon_view = self._marathon_log(app, lines)
            return sandbox, "\n".join(
                ["no sandbox output: %s" % why] + ([marathon_view] if marathon_view else [])
            )

    def _sandbox(self, cluster, task_id, agent_id):
        sandboxes = self.sandboxes.get(cluster)
        if sandboxes is None:
            raise SandboxUnavailable(
                "clusters.%s has no mesos_url; fix: set it to the Mesos "
                "master (http://HOST:5050) to see the task's own output" % cluster
            )
        if not (task_id and agent_id):
            raise SandboxUnavailable("no task of the app has been placed on an agent yet")
        return sandboxes.locate(agent_id, task_id)

    @staticmethod
    def _marathon_log(app, lines):
        report = [
            "%s %s on %s:%s"
            % (task["id"], task["state"], task.get("host"), (task.get("ports") or ["-"])[0])
            for task in app.get("tasks", [])
        ]
        failure = current_failure(app)
        if failure:
            report.append("last failure: %s" % failure)
        return "\n".join(report[-lines:])

    # -- base services -----------------------------------------------------------------------

    def ensure_services(self, env, services, deploy_type=None):
        wanted = {name: dict(options or {}) for name, options in (services or {}).items()}
        if not wanted:
            return {}
        client = self.client_for(env, deploy_type)
        return ensure_services_in_parallel(
            env, wanted, lambda name, options: self._ensure_service(client, env, name, options)
        )

    def _ensure_service(self, client, env, name, options):
        service_id = marathon_ids.service_id(env, name)
        app = client.app(service_id)
        if app is None or not running_tasks(app):
            definition = self.services.definition(env, name, options, self.apps.upload_text)
            deployments = self.deployments(client)
            deployment_id = deployments.change(
                "service %s" % service_id,
                lambda force: client.put_app(service_id, definition, force),
            )
            try:
                app = deployments.follow_app(deployment_id, service_id)
            except DeploymentFailed as failure:
                raise BackendError(str(failure)) from failure
        task = running_tasks(app)[0]
        host, port = task["host"], task["ports"][0]
        _wait_listening(host, port, SERVICE_START_TIMEOUT, service_id)
        return self.services.connection(env, name, host, port)

    def services_status(self, env):
        client = self.client_for(env, required=False)
        if client is None:
            return {}
        result = {}
        for app in client.apps_under(marathon_ids.env_group(env)):
            name = app.get("labels", {}).get("qaeci.service")
            if not name:
                continue
            state = app_state(name, app)
            status = {"running": "healthy"}.get(state.state, state.state)
            result[name] = {"status": status, "host": state.host, "port": state.port}
        return result

    # -- teardown ----------------------------------------------------------------------------

    def destroy(self, env, apps=None):
        """Remove the apps (all, with the services, when apps is None); then, for the whole
        environment, its group, so no empty groups pile up. Missing things are no error."""
        client = self.client_for(env, required=False)
        if client is None:
            return
        group_id = marathon_ids.env_group(env)
        if apps is None:
            ids = [app["id"] for app in client.apps_under(group_id)]
        else:
            ids = [marathon_ids.app_id(env, app) for app in apps]
        deployments = self.deployments(client)
        removals = [client.delete_app(app_id) for app_id in ids]
        for deployment_id in removals:
            deployments.follow(deployment_id)
        if apps is None:
            deployments.follow(
                deployments.change(
                    "group %s" % group_id, lambda force: client.delete_group(group_id)
                )
            )
            self.services.forget(env)
            self._env_clients.pop(env, None)

    def environments(self):
        names = set()
        for _, client in sorted(self.clients.items()):
            group = client.group("/" + marathon_ids.ROOT)
            for child in (group or {}).get("groups", []):
                names.add(child["id"].rstrip("/").rsplit("/", 1)[-1])
        return sorted(names)


def app_state(name, app):
    """The AppState of a Marathon app (GET /v2/apps/{id} with tasks and lastTaskFailure)."""
    running = running_tasks(app)
    if running:
        return _with_task(name, "running", running[0], "")
    live = [task for task in app.get("tasks", []) if task.get("state") in LIVE]
    failure = current_failure(app)
    if failure:
        return AppState(name, "failed", detail=failure)
    if live:
        return _with_task(name, "starting", live[0], live[0]["state"])
    if app.get("instances", 1) == 0:
        return AppState(name, "stopped", detail="scaled to 0 instances")
    return AppState(name, "starting", detail="waiting for resources (see /v2/queue)")


def _described_task(app, state):
    """(task or None, task id, agent id) of the task env info describes: the one shown (see
    _shown_task) unless the app failed, else the one that failed last."""
    task = _shown_task(app) if state.state != "failed" else None
    if task is not None:
        return task, task.get("id"), task.get("slaveId")
    failure = app.get("lastTaskFailure") or {}
    return None, failure.get("taskId"), failure.get("slaveId")


def _shown_task(app):
    """The task env info describes: the running one of the current configuration, else the
    one starting, else None."""
    running = running_tasks(app)
    if running:
        return running[0]
    live = [task for task in app.get("tasks", []) if task.get("state") in LIVE]
    return live[0] if live else None


def _with_task(name, state, task, detail):
    ports = task.get("ports") or [None]
    return AppState(name, state, task.get("host"), ports[0], None, detail)


def _wait_listening(host, port, timeout, what):
    reason = "no answer"
    for _ in paced(time.monotonic() + timeout):
        try:
            with socket.create_connection((host, port), timeout=2):
                return
        except OSError as error:
            reason = error
    raise BackendError(
        "%s runs on %s:%s but does not accept connections after %ss (%s)"
        % (what, host, port, int(timeout), reason)
    )
