"""What every base service shares: a supervised program `ENV.svc-NAME`, bounded start-up waits
and a health probe.

A service module subclasses BaseService and fills in `name`, `prepare` (data directory and
config files, returning the connection info), `argv` (the server's command line) and `probe`.
"""

import os
import socket
import time

from qaeci.backends.base import BackendError
from qaeci.backends.local_supervisor import BACKOFF, RUNNING, STARTING, ProgramSpec

HOST = "127.0.0.1"


class ServiceError(BackendError):
    """A base service could not be prepared, started or checked."""


def tcp_exchange(port, request, timeout=2.0, limit=4096):
    """Send request to 127.0.0.1:port and return what the server answers first (b"" if none)."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            if request:
                sock.sendall(request)
            return sock.recv(limit)
    except OSError:
        return b""


def current_user():
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


class BaseService(object):
    name = "abstract"
    start_timeout = 60.0
    stop_wait = 10

    def __init__(self, supervisor, artifact_store=None):
        self.supervisor = supervisor
        self.artifact_store = artifact_store

    # -- hooks for each service --------------------------------------------------------------
    def prepare(self, env, data_dir, port, options):
        """Create data dir and config; return the connection info (host, port, ...)."""
        raise NotImplementedError

    def argv(self, env, data_dir, port, options):
        raise NotImplementedError

    def probe(self, data_dir, port):
        """True when the server answers its protocol on port."""
        raise NotImplementedError

    def after_start(self, env, data_dir, port, options, info):
        """Work that needs the running server (e.g. accounts); returns the connection info."""
        return info

    # -- the common interface ----------------------------------------------------------------
    def program_name(self, env):
        return "%s.svc-%s" % (env, self.name)

    def log_path(self, data_dir):
        return os.path.join(data_dir, "%s.log" % self.name)

    def start(self, env, data_dir, port, options=None):
        """Start the service (leaving it alone if it already answers); return connection info."""
        options = dict(options or {})
        os.makedirs(data_dir, exist_ok=True)
        info = self.prepare(env, data_dir, port, options)
        if self.status(env, data_dir, port) != "healthy":
            spec = ProgramSpec(
                self.program_name(env),
                self.argv(env, data_dir, port, options),
                data_dir,
                {
                    "PORT0": str(port),
                    "HOST": HOST,
                    "QAECI_ENV": env,
                    "QAECI_APP": "svc-" + self.name,
                },
                self.log_path(data_dir),
                stop_wait=self.stop_wait,
                # the health probe, not a fixed delay, says when it is up
                start_secs=0,
            )
            self.supervisor.run(spec)
            self._wait_healthy(env, data_dir, port)
        return self.after_start(env, data_dir, port, options, info)

    def status(self, env, data_dir, port):
        """healthy (answers), unhealthy (runs, does not answer), starting, stopped, failed."""
        info = self.supervisor.info(self.program_name(env))
        if info is None:
            return "stopped"
        if info["state"] == RUNNING:
            return "healthy" if self.probe(data_dir, port) else "unhealthy"
        if info["state"] in (STARTING, BACKOFF):
            return "starting"
        if info["statename"] in ("STOPPED", "STOPPING"):
            return "stopped"
        return "failed"

    def stop(self, env, data_dir=None):
        """Stop the server and remove its program; its data stays."""
        self.supervisor.remove(self.program_name(env))

    def _wait_healthy(self, env, data_dir, port):
        deadline = time.monotonic() + self.start_timeout
        state = None
        while time.monotonic() < deadline:
            state = self.status(env, data_dir, port)
            if state == "healthy":
                return
            if state in ("failed", "stopped"):
                break
            time.sleep(0.1)
        raise ServiceError(
            "%s of %s is %s after start (waited at most %ds): %s"
            % (self.name, env, state or "unknown", self.start_timeout, self.last_log_line(data_dir))
        )

    def last_log_line(self, data_dir):
        try:
            with open(self.log_path(data_dir), "rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(0, handle.tell() - 2048))
                lines = handle.read().decode("utf-8", "replace").strip().splitlines()
            return lines[-1] if lines else "its log is empty"
        except OSError:
            return "no log at %s" % self.log_path(data_dir)
