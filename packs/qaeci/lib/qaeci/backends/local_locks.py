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
