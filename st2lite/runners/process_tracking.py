"""Which execution a runner's child process belongs to, so that canceling the execution can
kill it: the runtime names the execution a thread runs (`running_as`), and the runners hand
each child process they start (the leader of its own group) to `track` or `tracked`."""

import contextlib
import os
import signal
import threading

_current = threading.local()


@contextlib.contextmanager
def running_as(watch, execution_id):
    """Child processes started on this thread belong to EXECUTION_ID, watched by WATCH (an
    object with add_group(execution_id, group) and remove_group(execution_id, group))."""
    previous = getattr(_current, "owner", None)
    _current.owner = (watch, execution_id)
    try:
        yield
    finally:
        _current.owner = previous


def track(proc):
    """A subprocess.Popen started with start_new_session: killed with its group on cancel
    until it has been waited for (then its pid may name another process), for as long as the
    execution runs."""
    owner = getattr(_current, "owner", None)
    if owner is not None:
        owner[0].add_group(owner[1], _PopenGroup(proc))


@contextlib.contextmanager
def tracked(pgid):
    """The process group PGID, killed on cancel while the block runs."""
    owner = getattr(_current, "owner", None)
    if owner is None:
        yield
        return
    watch, execution_id = owner
    group = _Group(pgid)
    watch.add_group(execution_id, group)
    try:
        yield
    finally:
        watch.remove_group(execution_id, group)


class _Group(object):
    def __init__(self, pgid):
        self.pgid = pgid

    def kill(self):
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class _PopenGroup(_Group):
    def __init__(self, proc):
        _Group.__init__(self, proc.pid)
        self.proc = proc

    def kill(self):
        if self.proc.returncode is None:  # not yet reaped: the pid is still its own
            _Group.kill(self)
