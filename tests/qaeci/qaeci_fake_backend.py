"""A small, real Backend for tests: apps run as subprocesses on loopback ports, no nginx,
no supervisord; base services are plain TCP listeners on loopback."""

import os
import signal
import socket
import subprocess
import threading
import time

from qaeci.backends.base import AppState, Backend, BackendError


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeBackend(Backend):
    name = "fake"

    def __init__(self, work_dir, fail_services=False):
        self.work_dir = work_dir
        self.fail_services = fail_services
        self.ports = {}
        self.processes = {}
        self.listeners = {}
        self.deploys = []
        self.specs = []  # every AppSpec deployed, in order
        self.service_deploy_types = []  # the deploy_type of every ensure_services call
        self.lock = threading.Lock()

    def allocate_port(self, env, app):
        with self.lock:
            return self.ports.setdefault((env, app), free_port())

    def ensure_services(self, env, services, deploy_type=None):
        self.service_deploy_types.append(deploy_type)
        if self.fail_services:
            raise BackendError("mysql did not start; fix: read its log")
        result = {}
        for name in services:
            key = (env, "svc-" + name)
            if key not in self.listeners:
                sock = socket.socket()
                sock.bind(("127.0.0.1", 0))
                sock.listen(5)
                self.listeners[key] = sock
            port = self.listeners[key].getsockname()[1]
            result[name] = {"host": "127.0.0.1", "port": port}
            if name == "mysql":
                result[name].update({"user": "qaeci", "password": "secret", "database": env})
        return result

    def _log_path(self, env, app):
        return os.path.join(self.work_dir, "fake-logs", "%s.%s.log" % (env, app))

    def deploy(self, spec, settle=True):
        self._stop(spec.env, spec.app)
        log_path = self._log_path(spec.env, spec.app)
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        environment = dict(os.environ)
        environment.update(spec.environment)
        with open(log_path, "a") as log:
            process = subprocess.Popen(
                spec.command,
                cwd=spec.workdir,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        with self.lock:
            self.processes[(spec.env, spec.app)] = process
            self.deploys.append((spec.env, spec.app))
            self.specs.append(spec)
        if settle:
            time.sleep(0.05)
        return self._state(spec.env, spec.app)

    def _state(self, env, app):
        process = self.processes.get((env, app))
        if process is None:
            return AppState(app, "missing")
        code = process.poll()
        port = self.ports.get((env, app))
        if code is None:
            return AppState(app, "running", "127.0.0.1", port, self._log_path(env, app))
        return AppState(
            app, "failed", "127.0.0.1", port, self._log_path(env, app), "exited with %d" % code
        )

    def status(self, env):
        return {app: self._state(env, app) for (e, app) in list(self.processes) if e == env}

    def services_status(self, env):
        return {
            key[1][4:]: {"status": "healthy", "host": "127.0.0.1", "port": sock.getsockname()[1]}
            for key, sock in self.listeners.items()
            if key[0] == env
        }

    def log_tail(self, env, app, lines=20):
        try:
            with open(self._log_path(env, app)) as handle:
                return "".join(handle.readlines()[-lines:])
        except OSError:
            return ""

    def _stop(self, env, app):
        process = self.processes.pop((env, app), None)
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def destroy(self, env, apps=None):
        targets = [
            app for (e, app) in list(self.processes) if e == env and (apps is None or app in apps)
        ]
        for app in targets:
            self._stop(env, app)
        if apps is None:
            for key in [k for k in self.listeners if k[0] == env]:
                self.listeners.pop(key).close()
            for key in [k for k in self.ports if k[0] == env]:
                del self.ports[key]

    def create_snapshot(self, env, name):
        if (env, "svc-mysql") not in self.listeners:
            raise BackendError("environment %s has no mysql service to snapshot" % env)
        self.snapshots = getattr(self, "snapshots", []) + [name]
        return {"name": name, "key": "snapshots/mysql/%s.tar.gz" % name}

    def list_snapshots(self):
        return [{"name": name} for name in getattr(self, "snapshots", [])]

    def environments(self):
        return sorted(set(e for (e, _) in self.processes) | set(e for (e, _) in self.listeners))

    def shutdown(self):
        for env in self.environments():
            self.destroy(env)
