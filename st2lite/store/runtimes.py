"""Which st2lite processes are alive, told by locks instead of process ids.

Each Runtime registers a directory STATE/runtimes/TOKEN/ and holds an flock on the `lock` file
in it for as long as its process lives; executions record the token of the runtime running
them. The kernel drops the locks of a process however it ends, so a token is alive exactly as
long as its process: unlike a pid, which after a reboot, a container restart or a wrap-around
names another process (once, the very st2lite process asking). The directory also holds the
runtime's scratch files (action results): a runtime killed mid-action leaves them there, and
they go with the directory when a later st2lite sweeps the directories of dead runtimes. An
`st2lite serve` also writes its API's URL there, so actions run by any st2lite of the same state
directory can be given it while that serve lives (runners/action_env).
"""

import contextlib
import fcntl
import os
import secrets
import shutil
import weakref

LOCK = "lock"
API_URL_FILE = "api-url"
GUARD = ".registry.lock"  # a file: sweeping removes directories only


class Registration(object):
    """This process's token and directory; alive until the object is garbage-collected or the
    process ends."""

    def __init__(self, registry, token, directory, fd):
        self.token = token
        self.directory = directory
        self.is_alive = registry.is_alive
        finalizer = weakref.finalize(self, os.close, fd)
        finalizer.atexit = False  # the process's end releases the lock anyway


class RuntimeRegistry(object):
    def __init__(self, state_dir):
        self.root = os.path.join(state_dir, "runtimes")

    def register(self):
        """A new token with its directory, locked for as long as the Registration is kept."""
        os.makedirs(self.root, exist_ok=True)
        with self._guard():  # a sweep never sees a directory before its lock is held
            token = "%d-%s" % (os.getpid(), secrets.token_hex(6))
            directory = os.path.join(self.root, token)
            os.mkdir(directory, 0o700)
            fd = os.open(
                os.path.join(directory, LOCK), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
            )
            fcntl.flock(fd, fcntl.LOCK_EX)
        return Registration(self, token, directory, fd)

    def is_alive(self, token):
        """Whether the runtime of TOKEN still runs; False for no token (an execution recorded
        by an st2lite older than tokens, or never started)."""
        if not token or os.sep in token:
            return False
        return _held_by_another(os.path.join(self.root, token, LOCK))

    def publish_api_url(self, registration, url):
        """Record that the runtime of REGISTRATION serves StackStorm's API at URL."""
        path = os.path.join(registration.directory, API_URL_FILE)
        with open(path + ".new", "w") as handle:
            handle.write(url)
        os.replace(path + ".new", path)

    def api_url(self):
        """The API URL of a live `st2lite serve` of this state directory; None without one."""
        if not os.path.isdir(self.root):
            return None
        for name in sorted(os.listdir(self.root)):
            try:
                with open(os.path.join(self.root, name, API_URL_FILE)) as handle:
                    url = handle.read().strip()
            except (FileNotFoundError, NotADirectoryError):
                continue
            if url and self.is_alive(name):
                return url
        return None

    def sweep(self):
        """Remove the directories of runtimes that have ended, with what they left in them."""
        if not os.path.isdir(self.root):
            return
        with self._guard():
            for name in os.listdir(self.root):
                path = os.path.join(self.root, name)
                if os.path.isdir(path) and not self.is_alive(name):
                    shutil.rmtree(path, ignore_errors=True)

    @contextlib.contextmanager
    def _guard(self):
        with open(os.path.join(self.root, GUARD), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield


def _held_by_another(path):
    """Whether an flock on PATH is held through another open file description."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also releases the shared lock just taken
    return False
