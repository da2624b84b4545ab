"""An exclusive lock that serialises threads of this process and other processes alike."""

import contextlib
import fcntl
import threading

_THREAD_LOCKS = {}
_GUARD = threading.Lock()


def _thread_lock(path):
    with _GUARD:
        return _THREAD_LOCKS.setdefault(path, threading.RLock())


@contextlib.contextmanager
def file_lock(path):
    # flock is per open file description, so threads also need their own lock.
    with _thread_lock(path):
        with open(path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def held_by_another(path):
    """Whether some open file description other than ours holds an flock on PATH: a process
    holding one is alive, whatever has become of its pid, as the kernel releases the locks of
    a process that dies. False if PATH does not exist."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        return False  # closing the handle releases the shared lock just taken
