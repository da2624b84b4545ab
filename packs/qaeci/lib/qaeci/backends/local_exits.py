"""How a supervised program ended.

supervisord's events say only that a process exited or stopped (and, for EXITED, whether the
exit code was an expected one). Its exit status is in the line supervisord logs in the same step,
just after the state change and so before any listener hears of it:

    spawned: 'env1.web' with pid 2791
    exited: env1.web (exit status 3; not expected)
    stopped: env1.web (terminated by SIGTERM)

(supervisor/process.py `spawn`, `finish`; `options.decode_wait_status`). A process that dies
within startsecs gets no exit status over XML-RPC at all, so the log is the one source for
every case. A signal is reported as 128 + its number, as Docker and shells report it (SIGKILL:
137), so a rule reads one exit code on both back ends.

An exit by SIGKILL is an out-of-memory kill only when the kernel log names the pid as killed by
the OOM killer (`Out of memory: Killed process 2791 (python3)`, `Memory cgroup out of memory:
...`, `oom-kill:...,pid=2791,...`) within OOM_WINDOW seconds. The programs share supervisord's
cgroup, so its memory.events cannot tell which process was killed; when the kernel log cannot
be read, whether it was an OOM kill is unknown (None), never guessed.
"""

import errno
import os
import re
import signal
import time

LOG_TAIL_BYTES = 256 * 1024
KERNEL_LOG = "/dev/kmsg"
OOM_WINDOW = 30.0
KERNEL_FACILITY = 0

_SPAWNED = re.compile(r"spawned: '(?P<name>[^']+)' with pid (?P<pid>\d+)\s*$")
_ENDED = re.compile(r"(?P<verb>exited|stopped): (?P<name>\S+) \((?P<how>.*)\)\s*$")
_EXIT_STATUS = re.compile(r"^exit status (?P<code>\d+)")
_SIGNALLED = re.compile(r"^terminated by (?P<signal>SIG[A-Z0-9+-]+|signal (?P<number>\d+))")
_OOM_KILLED = re.compile(r"(?:Killed process (?P<pid>\d+) )|(?:oom-kill:.*\bpid=(?P<pid2>\d+)\b)")


class ProgramExit(object):
    """One end of a process: pid (None when the log no longer shows its start), the
    description supervisord logged ("exit status 3; not expected"), the exit code and signal."""

    def __init__(self, pid, description):
        self.pid = pid
        self.description = description
        self.code, self.signal = exit_code_of(description)

    def as_record(self):
        return {
            "pid": self.pid,
            "description": self.description,
            "code": self.code,
            "signal": self.signal,
        }


def exit_code_of(description):
    """(exit code, signal name) from supervisord's wording; (None, None) when it names neither
    ("unknown termination cause 0x...")."""
    how = (description or "").split(";")[0].strip()
    match = _EXIT_STATUS.match(how)
    if match:
        return int(match.group("code")), None
    match = _SIGNALLED.match(how)
    if not match:
        return None, None
    if match.group("number"):
        number = int(match.group("number"))
        return 128 + number, "signal %d" % number
    name = match.group("signal")
    number = getattr(signal, name, None)
    return (128 + int(number) if number is not None else None), name


def program_exits(log_text, name):
    """The ends of program NAME in a piece of supervisord's log, oldest first. Each is tied to
    the pid of the spawn before it (None for an end whose spawn is before the piece)."""
    exits, pid = [], None
    for line in log_text.splitlines():
        if name not in line:
            continue
        match = _SPAWNED.search(line)
        if match and match.group("name") == name:
            pid = int(match.group("pid"))
            continue
        match = _ENDED.search(line)
        if match and match.group("name") == name:
            exits.append(ProgramExit(pid, match.group("how")))
            pid = None
    return exits


def read_tail(path, size=LOG_TAIL_BYTES):
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - size))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


class ExitFinder(object):
    """Finds, in supervisord's log, how the process behind an event ended."""

    def __init__(self, log_path, kernel_log=KERNEL_LOG):
        self.log_path = log_path
        self.kernel_log = kernel_log
        self._told = {}  # program -> pid of the last end already told, so it is not told twice

    def after_exit(self, name, pid):
        """The end of process `pid` of NAME (an EXITED or STOPPED event)."""
        exits = program_exits(read_tail(self.log_path), name)
        mine = [end for end in exits if end.pid == pid]
        if not mine and exits and exits[-1].pid is None:
            mine = exits[-1:]  # a long run: its spawn line has left the tail
        return self._told_now(name, mine[-1] if mine else None)

    def after_backoff(self, name):
        """The end of the process that just died during startsecs (a BACKOFF event, which
        carries no pid); None when the last spawn's end was told already, as when the spawn
        itself failed and no process ran."""
        exits = program_exits(read_tail(self.log_path), name)
        if not exits or exits[-1].pid is None or self._told.get(name) == exits[-1].pid:
            return None
        return self._told_now(name, exits[-1])

    def _told_now(self, name, end):
        if end is not None and end.pid is not None:
            self._told[name] = end.pid
        return end

    def oom_killed(self, end):
        """True/False for an end by SIGKILL whose pid is known, None otherwise."""
        if end is None or end.signal != "SIGKILL" or end.pid is None:
            return None
        return oom_killed(end.pid, self.kernel_log)


def oom_killed(pid, kernel_log=KERNEL_LOG, now=None, window=OOM_WINDOW):
    """Whether the kernel log says its OOM killer killed `pid` in the last `window` seconds;
    None when the kernel log cannot be read."""
    records = _kernel_records(kernel_log)
    if records is None:
        return None
    now = time.monotonic() if now is None else now
    for facility, seconds, message in records:
        if facility != KERNEL_FACILITY or now - seconds > window:
            continue
        match = _OOM_KILLED.search(message)
        if match and int(match.group("pid") or match.group("pid2")) == pid:
            return True
    return False


def _kernel_records(path):
    """[(facility, seconds since boot, message)] of /dev/kmsg (one record per read) or of a file
    of its records, one a line: "PRIORITY,SEQUENCE,MICROSECONDS,FLAGS;MESSAGE"."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(fd, 16384)
            except BlockingIOError:
                break  # /dev/kmsg: no more records
            except OSError as error:
                if error.errno == errno.EPIPE:  # records overwritten while reading: read on
                    continue
                return None
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    records = []
    for line in b"".join(chunks).decode("utf-8", "replace").splitlines():
        prefix, _, message = line.partition(";")
        fields = prefix.split(",")
        if len(fields) < 3 or not fields[0].isdigit() or not fields[2].isdigit():
            continue  # a continuation line (" KEY=value") or not a record
        records.append((int(fields[0]) >> 3, int(fields[2]) / 1e6, message))
    return records
