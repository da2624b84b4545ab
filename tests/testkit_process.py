"""Whether a process still runs, for tests that check a cancel or a stop ended it.

Import it as `from tests.testkit_process import process_alive` (see tests/testkit_wait.py)."""

import os


def process_alive(pid):
    """True while PID runs; a zombie (ended, not yet reaped by its parent) counts as ended."""
    try:
        os.kill(pid, 0)
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False
