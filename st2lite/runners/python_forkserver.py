"""The fork server: a warm interpreter that forks one child per python-script action.

`python -m st2lite.runners.python_forkserver SOCKET_PATH --listen-fd FD --parent PID [PACK_DIR...]`

It preloads the wrapper, then serves requests on the listening unix socket it was handed (bound
at SOCKET_PATH, in a private directory it removes when it ends); before
forking for an action it imports the outside modules that action's code imports (once per
action, see python_preload), so later children start with them in memory. A request is one
length-prefixed JSON message {"spec", "env", "cwd"} carrying the action's stdin, stdout and
stderr fds (SCM_RIGHTS); {"warm": [spec, ...]} without fds asks for those actions' preloads
ahead of time, and gets no answer.
The reply is JSON lines on the same connection: {"pid": N} once forked, {"exit": CODE} when
the child is reaped (CODE as subprocess reports it: negative for a signal).

Single-threaded on purpose: forking a process that has threads can leave a child holding a
lock no thread will release. It ends when its parent (the st2lite process) is gone.
"""

import argparse
import atexit
import io
import json
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import time
import traceback

PARENT_POLL_SECONDS = 0.5
REQUEST_READ_SECONDS = 5
HEADER = struct.Struct(">I")
FDS_PER_REQUEST = 3
MAX_REQUEST_BYTES = 64 * 1024 * 1024


class BadRequest(Exception):
    """A request that is not a length-prefixed JSON message with three fds."""


class UnsafeToFork(Exception):
    """The server has threads now; a forked child could inherit a lock held by one of them."""


class ServerClosed(BaseException):
    """SIGTERM from the client. Not an Exception, nor a SystemExit that a preloaded module's
    import could raise: nothing on the way catches it."""


def main(argv=None):
    args = _parse_args(argv)
    listener = socket.socket(fileno=args.listen_fd)
    if sys.path and sys.path[0] == os.getcwd():
        del sys.path[0]  # `-m` put the server's cwd first; preloads must not import from it
    from st2lite.runners.python_preload import ActionImports, CompiledSources, preload_wrapper

    preload_wrapper()
    compiled = CompiledSources(args.pack_dirs)
    compiled.install()
    try:
        Server(listener, args.parent, ActionImports(args.pack_dirs, compiled)).serve()
    except ServerClosed:
        pass
    except UnsafeToFork:
        return 3
    finally:
        _remove_socket(args.socket_path)
    return 0


def _remove_socket(path):
    """Also when st2lite was killed and could not clean up: the socket and its private dir."""
    try:
        os.unlink(path)
        os.rmdir(os.path.dirname(path))
    except OSError:
        pass


def _parse_args(argv):
    parser = argparse.ArgumentParser(prog="python_forkserver")
    parser.add_argument("socket_path")
    parser.add_argument("--listen-fd", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("pack_dirs", nargs="*")
    return parser.parse_intermixed_args(argv)


class Server(object):
    def __init__(self, listener, parent_pid, action_imports):
        self.listener = listener
        self.action_imports = action_imports
        self.parent_pid = parent_pid
        self.children = {}  # pid -> the connection waiting for its exit code
        self.wake_r, self.wake_w = os.pipe()
        self.selector = selectors.DefaultSelector()

    def serve(self):
        for fd in (self.wake_r, self.wake_w):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.signal(signal.SIGTERM, _stop_serving)
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.selector.register(self.wake_r, selectors.EVENT_READ)
        try:
            while os.getppid() == self.parent_pid:
                for key, _ in self.selector.select(timeout=PARENT_POLL_SECONDS):
                    if key.fileobj is self.listener:
                        self._accept()
                    else:
                        _drain(self.wake_r)
                self._reap()
        finally:
            self._end_children()

    def _accept(self):
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        fds = []
        try:
            conn.settimeout(REQUEST_READ_SECONDS)
            request, fds = _read_request(conn)
            if "warm" in request:
                for spec in request["warm"]:
                    self._preload(spec)
                conn.close()
                return
            self._preload(request["spec"])
            request["spec"]["parent_pid"] = os.getpid()
            pid = os.fork()
            if pid == 0:
                _run_child(self, conn, request, fds)
            self.children[pid] = conn
            _send_line(conn, {"pid": pid})
        except (OSError, BadRequest, ValueError, UnsafeToFork) as e:
            _send_line(conn, {"error": str(e)})
            conn.close()
            if isinstance(e, UnsafeToFork):
                raise
        finally:
            for fd in fds:
                os.close(fd)

    def _preload(self, spec):
        self.action_imports.preload_for(spec["entry_point"], spec.get("lib_paths") or [])
        if threading.active_count() > 1:
            raise UnsafeToFork(
                "a module imported for %s started a thread: forking would not be "
                "safe, so this server stops" % spec["entry_point"]
            )

    def _reap(self):
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is not None:
                _send_line(conn, {"exit": os.waitstatus_to_exitcode(status)})
                conn.close()

    def _end_children(self):
        """The st2lite process is gone: its actions end with it, whole process groups."""
        for pid in list(self.children):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass

    def close_in_child(self, own_conn):
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        self.selector.close()
        for fd in (self.wake_r, self.wake_w):
            os.close(fd)
        self.listener.close()
        for conn in list(self.children.values()) + [own_conn]:
            conn.close()


def _stop_serving(signum, frame):
    raise ServerClosed()  # its running actions end with it (serve's finally)


def _read_request(conn):
    data, fds, _, _ = socket.recv_fds(conn, 65536, FDS_PER_REQUEST)
    try:
        request = _read_message(conn, data)
        if isinstance(request, dict) and "warm" in request and not fds:
            return _checked_warm(request), fds
        if len(fds) != FDS_PER_REQUEST:
            raise BadRequest(
                "expected %d fds (stdin, stdout, stderr), got %d" % (FDS_PER_REQUEST, len(fds))
            )
        return _checked(request), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _read_message(conn, data):
    while len(data) < HEADER.size:
        data += _recv_some(conn)
    (length,) = HEADER.unpack_from(data)
    if length > MAX_REQUEST_BYTES:
        raise BadRequest(
            "request of %d bytes is over the %d byte limit" % (length, MAX_REQUEST_BYTES)
        )
    body = bytearray(data[HEADER.size :])
    while len(body) < length:
        body += _recv_some(conn)
    return json.loads(bytes(body).decode("utf-8"))


def _checked(request):
    spec = request.get("spec") if isinstance(request, dict) else None
    if (
        not isinstance(spec, dict)
        or "entry_point" not in spec
        or not isinstance(request.get("env"), dict)
        or not isinstance(request.get("cwd"), str)
    ):
        raise BadRequest("a request needs spec (with entry_point), env and cwd")
    return request


def _checked_warm(request):
    """{"warm": [spec, ...]}: preload for these actions now, before any of them is asked for."""
    specs = request["warm"]
    if not isinstance(specs, list) or not all(
        isinstance(spec, dict) and isinstance(spec.get("entry_point"), str) for spec in specs
    ):
        raise BadRequest("warm takes a list of specs with an entry_point each")
    return request


def _recv_some(conn):
    chunk = conn.recv(65536)
    if not chunk:
        raise BadRequest("the request ended early")
    return chunk


def _send_line(conn, message):
    try:
        conn.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        pass  # the client gave up on this action; nothing is waiting for the answer


def _drain(fd):
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


# --- the forked child: becomes what `python -m st2lite.runners.python_wrapper` would be -------


def _run_child(server, conn, request, fds):
    code = 1
    try:
        server.close_in_child(conn)
        os.setsid()
        _take_std_fds(fds)
        _take_environment(request["env"], request["cwd"])
        code = _run_like_the_interpreter(request["spec"])
    except BaseException:
        try:
            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:
            pass
    finally:
        os._exit(code & 0xFF)


def _take_std_fds(fds):
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    del fds[:]
    sys.stdin = sys.__stdin__ = _std_stream(0, "<stdin>", sys.__stdin__)
    sys.stdout = sys.__stdout__ = _std_stream(1, "<stdout>", sys.__stdout__)
    sys.stderr = sys.__stderr__ = _std_stream(2, "<stderr>", sys.__stderr__)


def _std_stream(fd, name, like):
    """A std stream built as the interpreter builds it with PYTHONUNBUFFERED=1: text over a raw
    FileIO for output, over a buffered reader for input; encoding and errors as the server's
    (it was started with the same locale variables, or the client would not have used it)."""
    raw = io.FileIO(fd, "rb" if fd == 0 else "wb", closefd=False)
    raw.name = name
    binary = io.BufferedReader(raw) if fd == 0 else raw
    return io.TextIOWrapper(
        binary, encoding=like.encoding, errors=like.errors, line_buffering=False, write_through=True
    )


def _take_environment(env, cwd):
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    os.chdir(cwd)
    from st2lite.runners import python_wrapper

    sys.argv = [python_wrapper.__file__]
    sys.path.insert(0, os.getcwd())  # as `python -m` puts the working directory first


def _run_like_the_interpreter(spec):
    """The wrapper's exit code, SystemExit and uncaught exceptions handled as the interpreter
    handles them, then its shutdown: non-daemon threads joined, atexit handlers, flushed."""
    from st2lite.runners.python_wrapper import exit_code_of_action

    interrupted = False
    try:
        code = exit_code_of_action(spec)
    except SystemExit as e:
        code = _system_exit_code(e)
    except KeyboardInterrupt:
        traceback.print_exc()
        code, interrupted = 1, True
    except BaseException:
        traceback.print_exc()
        code = 1
    threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = 120
    if interrupted:  # as the interpreter does: die of SIGINT so the parent sees how it ended
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    return code


def _system_exit_code(exit_exception):
    code = exit_exception.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        sys.stderr.write("%s\n" % (code,))
    except (OSError, ValueError):
        pass
    return 1


if __name__ == "__main__":
    # os._exit: tearing down every preloaded module would only make the client wait at its exit
    os._exit(main())
