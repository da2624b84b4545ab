"""The st2lite side of the fork server: starts it (lazily, once per process and set of packs),
hands it one action at a time and collects what the action wrote and how it ended.

`run_action` returns what base.run_process returns for a fresh wrapper process, and raises
ForkServerUnavailable when the action could not be started this way (the caller then starts a
fresh process). Safe to call from many threads at once: each action has its own connection.
"""

import atexit
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from st2lite.runners.base import LineSplitter
from st2lite.runners.process_tracking import tracked
from st2lite.runners.python_forkserver import HEADER

SWITCH = "ST2LITE_PYTHON_FORK"
START_SECONDS = 60  # a first action waits for the server's imports
KILL_GRACE_SECONDS = 5
MAX_SERVERS_LOST = 3
LISTEN_BACKLOG = 128
CHUNK = 65536
# Read once by an interpreter at start-up: a child forked from a server started with other
# values would not be what a fresh process is, so such actions get a fresh process.
STARTUP_VARIABLES = ("LANG", "LC_ALL", "LC_CTYPE", "TZ")


class ForkServerUnavailable(Exception):
    """The action was not started by the fork server: run it in a fresh process instead."""


def enabled(env):
    return env.get(SWITCH, "1") != "0"


def run_action(spec, env, cwd, timeout, pack_dirs, on_output=None):
    """(return_code, stdout, stderr, timed_out) of the action run by a forked child;
    on_output(output_type, line) as in base.run_process."""
    server = _POOL.server_for(tuple(pack_dirs))
    if server.startup_env != startup_env(env):
        raise ForkServerUnavailable("the action's interpreter settings differ from the server's")
    child = _start_child(server, {"spec": spec, "env": env, "cwd": cwd})
    with tracked(child.pid):  # a cancel kills its group
        return child.collect(timeout, on_output)


def warm(specs, pack_dirs):
    """Have the server (started now if need be) preload for these actions (specs with
    entry_point and lib_paths) while the caller goes on; returns at once. Best effort."""
    if not enabled(os.environ) or not specs:
        return
    message = json.dumps({"warm": specs}).encode("utf-8")
    try:
        server = _POOL.server_for(tuple(pack_dirs))
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(START_SECONDS)
            conn.connect(server.path)
            conn.sendall(HEADER.pack(len(message)) + message)
    except (OSError, ForkServerUnavailable):
        pass  # each action still preloads for itself when it is asked for


def startup_env(env):
    return dict((k, v) for k, v in env.items() if k.startswith("PYTHON") or k in STARTUP_VARIABLES)


class _ServerProcess(object):
    """One running fork server, its private socket directory and the environment it has."""

    def __init__(self, pack_dirs):
        self.directory = tempfile.mkdtemp(prefix="st2lite-fork-")  # mode 0700
        self.path = os.path.join(self.directory, "server.sock")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.startup_env = startup_env(env)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(self.path)
            listener.listen(LISTEN_BACKLOG)
            argv = [
                sys.executable,
                "-m",
                "st2lite.runners.python_forkserver",
                self.path,
                "--listen-fd",
                str(listener.fileno()),
                "--parent",
                str(os.getpid()),
            ]
            self.proc = subprocess.Popen(
                argv + list(pack_dirs),
                cwd="/",
                env=env,
                pass_fds=[listener.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as e:
            self.remove_directory()
            raise ForkServerUnavailable("cannot start the fork server: %s" % e) from e
        finally:
            listener.close()  # the server holds it now; connects fail once it is gone

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=2)
        self.remove_directory()

    def remove_directory(self):
        shutil.rmtree(self.directory, ignore_errors=True)


class _ServerPool(object):
    """One server per set of pack directories (their names decide what it may preload),
    replaced if it died; after MAX_SERVERS_LOST, every action gets a fresh process."""

    def __init__(self):
        self.forget()
        self._registered = False

    def forget(self):
        """In a forked copy of st2lite the servers are not its own: it starts its own."""
        self._lock = threading.Lock()
        self._servers = {}
        self._lost = 0

    def server_for(self, pack_dirs):
        with self._lock:
            server = self._servers.get(pack_dirs)
            if server is not None and server.alive():
                return server
            if server is not None:
                server.remove_directory()
                self._lost += 1
            if self._lost >= MAX_SERVERS_LOST:
                raise ForkServerUnavailable("%d fork servers were lost" % self._lost)
            if not self._registered:
                atexit.register(self.stop_all)
                self._registered = True
            server = self._servers[pack_dirs] = _ServerProcess(pack_dirs)
            return server

    def discard(self, server):
        with self._lock:
            for key, known in list(self._servers.items()):
                if known is server:
                    del self._servers[key]
                    self._lost += 1
        server.stop()

    def stop_all(self):
        with self._lock:
            for server in self._servers.values():
                server.stop()
            self._servers.clear()


_POOL = _ServerPool()
os.register_at_fork(after_in_child=_POOL.forget)


def _start_child(server, request):
    message = json.dumps(request, default=str).encode("utf-8")
    message = HEADER.pack(len(message)) + message
    stdin_r, stdin_w = os.pipe()
    os.close(stdin_w)  # as a fresh wrapper's stdin once it has read its spec: at end of file
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(START_SECONDS)
        conn.connect(server.path)
        sent = socket.send_fds(conn, [message[:CHUNK]], [stdin_r, out_w, err_w])
        if sent < len(message):
            # only while the request is incomplete: once it is all sent, the action may have
            # run and ended already, and a send to the closed connection would fail
            conn.sendall(message[sent:])
        replies = _Replies(conn)
        pid = replies.next_message().get("pid")
        if not pid:
            raise ForkServerUnavailable("the fork server did not start the action")
    except (OSError, ValueError, ForkServerUnavailable) as e:
        if isinstance(e, socket.timeout):
            _POOL.discard(server)  # alive but not answering: an import that hangs, say
        conn.close()
        os.close(out_r)
        os.close(err_r)
        raise ForkServerUnavailable("the fork server did not start the action: %s" % e) from e
    finally:
        for fd in (stdin_r, out_w, err_w):
            os.close(fd)
    return _Child(pid, replies, out_r, err_r)


class _Replies(object):
    """The JSON lines the server answers on one connection."""

    def __init__(self, conn):
        self.conn = conn
        self.buffer = b""
        self.closed = False

    def next_message(self):
        while b"\n" not in self.buffer:
            if not self.receive():
                raise ForkServerUnavailable("the fork server closed the connection")
        return self.pop()

    def receive(self):
        data = self.conn.recv(CHUNK)
        self.buffer += data
        self.closed = not data
        return bool(data)

    def pop(self):
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line.decode("utf-8"))


class _Child(object):
    """A forked action: its output pipes and the connection that will tell its exit code."""

    def __init__(self, pid, replies, out_r, err_r):
        self.pid = pid
        self.replies = replies
        self.output = {out_r: bytearray(), err_r: bytearray()}
        self.out_r, self.err_r = out_r, err_r
        self.exit_code = None

    def collect(self, timeout, on_output=None):
        self.lines = {
            self.out_r: LineSplitter("stdout", on_output),
            self.err_r: LineSplitter("stderr", on_output),
        }
        selector = selectors.DefaultSelector()
        try:
            for fd in self.output:
                selector.register(fd, selectors.EVENT_READ)
            selector.register(self.replies.conn, selectors.EVENT_READ)
            timed_out = not self._read_until(selector, time.monotonic() + timeout)
            if timed_out:
                self._kill_group()
                self._read_until(selector, time.monotonic() + KILL_GRACE_SECONDS)
        finally:
            for fd in self.output:
                if fd in selector.get_map():
                    self.lines[fd].end()  # what a timed-out action wrote last
            selector.close()
            self._close()
        code = -signal.SIGKILL if timed_out or self.exit_code is None else self.exit_code
        return code, self._text(self.out_r), self._text(self.err_r), timed_out

    def _read_until(self, selector, deadline):
        """True once both pipes reached end of file and the exit code is known (or the server
        is gone), False at the deadline."""
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            for key, _ in selector.select(min(remaining, 1.0)):
                if key.fileobj is self.replies.conn:
                    self._read_reply(selector)
                else:
                    self._read_pipe(selector, key.fileobj)
        return True

    def _read_pipe(self, selector, fd):
        data = os.read(fd, CHUNK)
        if data:
            self.output[fd] += data
            self.lines[fd].feed(data)
        else:
            selector.unregister(fd)
            self.lines[fd].end()

    def _read_reply(self, selector):
        try:
            self.replies.receive()
        except OSError:
            self.replies.closed = True
        while b"\n" in self.replies.buffer:
            self.exit_code = self.replies.pop().get("exit", self.exit_code)
        if self.replies.closed or self.exit_code is not None:
            selector.unregister(self.replies.conn)

    def _kill_group(self):
        """Also once the child has exited: what it started may hold its output open. Linux
        does not reuse a pid as long as a process group of that id has members."""
        try:
            os.killpg(self.pid, signal.SIGKILL)  # the child made itself a group leader
        except (ProcessLookupError, PermissionError):
            pass

    def _close(self):
        self.replies.conn.close()
        for fd in self.output:
            os.close(fd)

    def _text(self, fd):
        return bytes(self.output[fd]).decode("utf-8", "replace")
