"""One supervisord per work directory, driven over XML-RPC through its unix socket.

Programs are named `ENV.APP` and `ENV.svc-NAME` (supervisor accepts dots in program names; it
refuses only spaces, colons and slashes), each a group of one process with its own config file
under an include directory, so one program can be added, changed or removed at run time without
disturbing the others (reloadConfig + addProcessGroup / removeProcessGroup).
"""

import hashlib
import http.client
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import xmlrpc.client

from qaeci.backends import local_events
from qaeci.backends.base import BackendError
from qaeci.backends.local_files import write_atomically, write_json
from qaeci.backends.local_locks import file_lock

# Supervisor's process states (supervisor.states.ProcessStates).
STOPPED, STARTING, RUNNING, BACKOFF, STOPPING, EXITED, FATAL, UNKNOWN = (
    0,
    10,
    20,
    30,
    40,
    100,
    200,
    1000,
)
TRANSIENT_STATES = (STARTING, BACKOFF, STOPPING)

# Supervisor's XML-RPC fault codes (supervisor.xmlrpc.Faults).
FAULT_BAD_NAME = 10
FAULT_NOT_RUNNING = 70
FAULT_ALREADY_STARTED = 60
FAULT_ALREADY_ADDED = 90
FAULT_STILL_RUNNING = 91

MAX_UNIX_SOCKET_PATH = 107  # sun_path holds 108 bytes with the final NUL
# Longer than any program's stopwaitsecs: stopProcess answers only once the process is gone.
RPC_TIMEOUT = 180.0
INFO_TIMEOUT = 30.0


class SupervisorError(BackendError):
    """supervisord could not be started or refused a request."""


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, socket_path, timeout):
        http.client.HTTPConnection.__init__(self, "localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class UnixSocketTransport(xmlrpc.client.Transport):
    """An xmlrpc.client transport that speaks HTTP over a unix-domain socket."""

    def __init__(self, socket_path, timeout=RPC_TIMEOUT):
        xmlrpc.client.Transport.__init__(self)
        self.socket_path = socket_path
        self.timeout = timeout

    def make_connection(self, host):
        return _UnixHTTPConnection(self.socket_path, self.timeout)


def supervisor_quote(text):
    """Escape text for a supervisor config value (it expands %(name)s expressions)."""
    return str(text).replace("%", "%%")


def command_line(argv, environment):
    """argv with its environment as a supervisor `command=` value.

    Supervisor splits `command=` with shlex (POSIX rules, so any value can be quoted) but its
    `environment=` parser cannot escape quotes, so variables are passed through env(1).
    """
    words = ["/usr/bin/env"] if environment else []
    for key in sorted(environment):
        if not key or not key.replace("_", "").isalnum() or key[0].isdigit():
            raise SupervisorError(
                "environment variable name %r is not valid: use letters, "
                "digits and underscores" % key
            )
        words.append("%s=%s" % (key, environment[key]))
    words.extend(str(arg) for arg in argv)
    for word in words:
        if "\n" in word or "\r" in word:
            raise SupervisorError(
                "%r contains a line break, which a supervisor program cannot take: remove it" % word
            )
    return supervisor_quote(" ".join(shlex.quote(word) for word in words))


class ProgramSpec(object):
    """One supervised program: argv, working directory, environment, combined log file."""

    def __init__(
        self,
        name,
        argv,
        directory,
        environment,
        log_path,
        stop_wait=10,
        start_secs=1,
        stop_signal="TERM",
    ):
        self.name = name
        self.argv = list(argv)
        self.directory = directory
        self.environment = dict(environment)
        self.log_path = log_path
        self.stop_wait = stop_wait
        self.start_secs = start_secs
        self.stop_signal = stop_signal

    def config_text(self):
        return "\n".join(
            [
                "[program:%s]" % self.name,
                "command=%s" % command_line(self.argv, self.environment),
                "directory=%s" % supervisor_quote(self.directory),
                "autostart=true",
                "autorestart=false",
                # A failed program is left as it failed: no retries, no restarts.
                "startretries=0",
                "startsecs=%d" % self.start_secs,
                "stopsignal=%s" % self.stop_signal,
                "stopwaitsecs=%d" % self.stop_wait,
                "stopasgroup=true",
                "killasgroup=true",
                "redirect_stderr=true",
                "stdout_logfile=%s" % supervisor_quote(self.log_path),
                "stdout_logfile_maxbytes=10MB",
                "stdout_logfile_backups=1",
                "",
            ]
        )


def _supervisord_argv():
    here = os.path.join(os.path.dirname(sys.executable), "supervisord")
    if os.access(here, os.X_OK):
        return [here]
    on_path = shutil.which("supervisord")
    if on_path:
        return [on_path]
    try:
        import supervisor  # noqa: F401  (only to know whether `-m` will work)
    except ImportError as error:
        raise SupervisorError(
            "supervisord not found: `pip install supervisor` into the Python "
            "that runs the pack, or put supervisord on PATH"
        ) from error
    return [sys.executable, "-m", "supervisor.supervisord"]


class Supervisor(object):
    """The supervisord of one work directory: config, lifecycle and program control."""

    def __init__(self, work_dir):
        self.root = os.path.join(os.path.abspath(work_dir), "supervisor")
        self.programs_dir = os.path.join(self.root, "programs")
        self.config_path = os.path.join(self.root, "supervisord.conf")
        self.socket_path = os.path.join(self.root, "supervisor.sock")
        self.pid_path = os.path.join(self.root, "supervisord.pid")
        self.log_path = os.path.join(self.root, "supervisord.log")
        self.reload_lock_path = os.path.join(self.root, "reload.lock")
        self.read_configs_path = os.path.join(self.root, "read-configs.json")
        if len(self.socket_path) > MAX_UNIX_SOCKET_PATH:
            raise SupervisorError(
                "work_dir %s is too deep for a unix socket path: choose a "
                "shorter work_dir" % work_dir
            )

    # -- daemon lifecycle -------------------------------------------------------------------
    def _rpc(self, timeout=RPC_TIMEOUT):
        transport = UnixSocketTransport(self.socket_path, timeout)
        return xmlrpc.client.ServerProxy(
            "http://localhost", transport=transport, allow_none=True
        ).supervisor

    def is_running(self):
        try:
            return self._rpc(timeout=5).getState()["statecode"] == 1
        except (OSError, xmlrpc.client.Error, http.client.HTTPException):
            return False

    def _write_config(self):
        os.makedirs(self.programs_dir, exist_ok=True)
        text = "\n".join(
            [
                "[unix_http_server]",
                "file=%s" % supervisor_quote(self.socket_path),
                "chmod=0700",
                "",
                "[supervisord]",
                "logfile=%s" % supervisor_quote(self.log_path),
                "logfile_maxbytes=5MB",
                "logfile_backups=1",
                "pidfile=%s" % supervisor_quote(self.pid_path),
                "childlogdir=%s" % supervisor_quote(self.root),
                "directory=%s" % supervisor_quote(self.root),
                "identifier=qaeci",
                "nodaemon=false",
                "",
                "[rpcinterface:supervisor]",
                "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
                "",
                "[include]",
                "files = %s" % supervisor_quote(os.path.join(self.programs_dir, "*.conf")),
                "",
                self._event_listener_section(),
            ]
        )
        with open(self.config_path, "w") as handle:
            handle.write(text)

    def _event_listener_section(self):
        """The listener that spools every program's state changes for the local events sensor
        (local_events): started first and stopped last, restarted if it dies, and with a queue
        that outlasts a restart of it."""
        work_dir = os.path.dirname(self.root)
        argv = local_events.listener_argv(work_dir, self.log_path)
        return "\n".join(
            [
                "[eventlistener:%s]" % local_events.LISTENER_NAME,
                "command=%s" % command_line(argv, {"PYTHONPATH": local_events.LIB_DIR}),
                "events=%s" % local_events.EVENTS,
                "buffer_size=10000",
                "priority=1",
                "autostart=true",
                "autorestart=true",
                "stdout_logfile=NONE",  # stdout carries the protocol
                "stderr_logfile=%s" % supervisor_quote(os.path.join(self.root, "events.log")),
                "stderr_logfile_maxbytes=1MB",
                "stderr_logfile_backups=1",
                "",
            ]
        )

    def ensure_running(self, timeout=15.0):
        if self.is_running():
            return
        os.makedirs(self.root, exist_ok=True)
        with file_lock(os.path.join(self.root, "start.lock")):
            if not self.is_running():
                self._start_daemon(timeout)

    def _start_daemon(self, timeout):
        self._write_config()
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)  # stale socket of a supervisord that is gone
        result = subprocess.run(
            _supervisord_argv() + ["-c", self.config_path],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            universal_newlines=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise SupervisorError(
                "supervisord failed to start: %s (see %s)"
                % (result.stdout.strip().splitlines()[-1:] or ["no output"], self.log_path)
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.is_running():
                return
            time.sleep(0.1)
        raise SupervisorError(
            "supervisord did not answer on %s within %ds (see %s)"
            % (self.socket_path, timeout, self.log_path)
        )

    def shutdown(self, timeout=60.0):
        """Stop supervisord and, with it, every program it runs."""
        if not self.is_running():
            return
        pid = self._pid()
        try:
            local_events.quiesce(self._rpc(), os.path.dirname(self.root))
        except (OSError, xmlrpc.client.Error, http.client.HTTPException):
            pass  # shutting down matters more than the last events
        try:
            self._rpc().shutdown()
        except (OSError, xmlrpc.client.Error, http.client.HTTPException):
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pid is None or not _pid_alive(pid):
                return
            time.sleep(0.1)
        raise SupervisorError("supervisord (pid %s) did not stop within %ds" % (pid, timeout))

    def _pid(self):
        try:
            with open(self.pid_path) as handle:
                return int(handle.read().strip())
        except (OSError, ValueError):
            return None

    # -- programs ---------------------------------------------------------------------------
    def program_config_path(self, name):
        return os.path.join(self.programs_dir, name + ".conf")

    def applied_config_path(self, name):
        """The config the program's running group was added with (supervisord keeps using it
        until the group is removed and added again)."""
        return os.path.join(self.root, "applied", name + ".conf")

    def configured_programs(self):
        """Names of the programs that have a config file (whether or not they run)."""
        if not os.path.isdir(self.programs_dir):
            return []
        return sorted(
            entry[: -len(".conf")]
            for entry in os.listdir(self.programs_dir)
            if entry.endswith(".conf")
        )

    def stage(self, spec):
        """Make supervisord read spec's program config, without starting it: what `run` then
        has left to do is quick. A program config already read is not read again."""
        self.stage_all([spec])

    def stage_all(self, specs):
        """stage for several programs, with one config reload for all of them."""
        texts = {spec.name: spec.config_text() for spec in specs}
        read = self._read_configs()
        if all(
            _read(self.program_config_path(name)) == text and read.get(name) == _digest(text)
            for name, text in texts.items()
        ):
            return  # supervisord has read each of them already
        self.ensure_running()
        for spec in specs:
            os.makedirs(os.path.dirname(spec.log_path), exist_ok=True)
            path = self.program_config_path(spec.name)
            if _read(path) != texts[spec.name]:
                write_atomically(path, texts[spec.name])
        self._reload_config(self._rpc(), texts)

    def _read_configs(self):
        """{program: digest of the config text} as supervisord last read them."""
        try:
            with open(self.read_configs_path) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}

    def run(self, spec, timeout=30.0, settle=True):
        """Start spec's program (restarting it if it runs); return its process info, once it has
        left STARTING when settle (else as soon as it is spawned: callers that check readiness
        themselves need not wait out startsecs)."""
        self.ensure_running()
        self.stage(spec)
        text = spec.config_text()
        rpc = self._rpc()
        if _read(self.applied_config_path(spec.name)) != text:
            # supervisord runs a group with the config it had when the group was added
            if self._add_group_reloading(rpc, spec.name) is False:
                self._remove_group(rpc, spec.name)
                self._add_group_reloading(rpc, spec.name)
            write_atomically(self.applied_config_path(spec.name), text)
        elif self._add_group_reloading(rpc, spec.name) is False:
            self._stop(rpc, spec.name)
            self._call_ignoring(rpc.startProcess, spec.name, False, ignore=(FAULT_ALREADY_STARTED,))
        return self.wait_settled(spec.name, timeout) if settle else self.info(spec.name)

    def start(self, name, timeout=30.0):
        """Start an existing program that is not running."""
        self.ensure_running()
        rpc = self._rpc()
        self._call_ignoring(rpc.startProcess, name, False, ignore=(FAULT_ALREADY_STARTED,))
        return self.wait_settled(name, timeout)

    def stop(self, name):
        if not self.is_running():
            return
        self._stop(self._rpc(), name)

    def remove(self, name):
        """Stop the program, forget it and delete its config file."""
        path = self.program_config_path(name)
        if self.is_running():
            rpc = self._rpc()
            self._remove_group(rpc, name)
        for stale in (path, self.applied_config_path(name)):
            if os.path.exists(stale):
                os.unlink(stale)
        if self.is_running():
            self._reload_config(self._rpc())

    def info(self, name):
        """supervisor's process info for name, or None if supervisord does not know it."""
        try:
            return self._rpc(timeout=INFO_TIMEOUT).getProcessInfo(name)
        except xmlrpc.client.Fault as fault:
            if fault.faultCode == FAULT_BAD_NAME:
                return None
            raise SupervisorError("supervisord: %s" % fault.faultString) from fault
        except (OSError, http.client.HTTPException):
            return None  # supervisord is not running, so neither is the program

    def all_info(self):
        if not self.is_running():
            return {}
        return {"%s" % info["group"]: info for info in self._rpc().getAllProcessInfo()}

    def wait_settled(self, name, timeout):
        """Wait (bounded) until the program leaves STARTING/BACKOFF/STOPPING."""
        deadline = time.monotonic() + timeout
        info = self.info(name)
        while info is not None and info["state"] in TRANSIENT_STATES:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
            info = self.info(name)
        return info

    def _stop(self, rpc, name):
        self._call_ignoring(rpc.stopProcess, name, True, ignore=(FAULT_NOT_RUNNING, FAULT_BAD_NAME))

    def _reload_config(self, rpc, wanted=None):
        """reloadConfig, unless one since has read every config in WANTED ({program: text})
        already: each costs supervisord a parse of every program's file, so programs written
        at once share one. What a reload reads is recorded from the files as they were just
        before it, so a file changed meanwhile only costs one more reload later."""
        with file_lock(self.reload_lock_path):
            read = self._read_configs()
            if wanted and all(read.get(name) == _digest(text) for name, text in wanted.items()):
                return
            before = {
                name: _digest(_read(self.program_config_path(name)) or "")
                for name in self.configured_programs()
            }
            self._call_ignoring(rpc.reloadConfig)
            write_json(self.read_configs_path, before)

    def _add_group_reloading(self, rpc, name):
        """_add_group, reloading the config first if supervisord does not know the name yet
        (a shared reload that missed it, say because the clock went back)."""
        added = self._add_group(rpc, name, retry_unknown=True)
        if added is None:
            self._call_ignoring(rpc.reloadConfig)
            added = self._add_group(rpc, name)
        return added

    def _add_group(self, rpc, name, retry_unknown=False):
        """addProcessGroup; False if it was already there (None if supervisord does not know
        the name and retry_unknown)."""
        try:
            rpc.addProcessGroup(name)
            return True
        except xmlrpc.client.Fault as fault:
            if fault.faultCode == FAULT_ALREADY_ADDED:
                return False
            if fault.faultCode == FAULT_BAD_NAME and retry_unknown:
                return None
            raise SupervisorError(
                "supervisord could not add %s: %s (check %s)"
                % (name, fault.faultString, self.program_config_path(name))
            ) from fault

    def _remove_group(self, rpc, name):
        self._stop(rpc, name)
        self._call_ignoring(rpc.removeProcessGroup, name, ignore=(FAULT_BAD_NAME,))

    @staticmethod
    def _call_ignoring(method, *args, **kwargs):
        ignore = kwargs.pop("ignore", ())
        try:
            return method(*args)
        except xmlrpc.client.Fault as fault:
            if fault.faultCode in ignore:
                return None
            raise SupervisorError("supervisord: %s" % fault.faultString) from fault


def _digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); it is gone for our purposes.
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
