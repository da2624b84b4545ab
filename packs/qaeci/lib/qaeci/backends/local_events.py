"""The local back end's supervisord event listener: every process state change of the programs
supervisord runs becomes one record in the event spool (local_event_spool), for the local events
sensor to turn into triggers whenever it runs.

supervisord runs this module as `[eventlistener:qaeci-events]` (events PROCESS_STATE and
REMOTE_COMMUNICATION) and speaks its event listener protocol, version 3.0, over our stdin and
stdout: we write `READY\\n`; it writes a header line of `key:value` tokens ending in `len:N`, then
exactly N bytes of payload (no newline); we answer `RESULT 2\\nOK`, or `RESULT 4\\nFAIL` to have
the event sent again, and write READY once more. Only the protocol goes to stdout; our own
messages go to stderr.

supervisord never waits on a listener: it queues events for it (buffer_size) and drops the
oldest when the queue is full. So the listener does little per event (it reads the tail of
supervisord's log for an exit, the ports file, and the kernel log for a SIGKILL) and answers at
once; if the spool cannot be written it answers FAIL after a pause, so supervisord keeps the event.

Before supervisord shuts down, `quiesce` stops the other programs and waits until their events
are spooled: supervisord stops its listeners last, and sends nothing to one that is stopping.
"""

import argparse
import os
import sys
import time
import traceback
import uuid
import xmlrpc.client

from qaeci.backends.local_event_spool import SpoolWriter, events_dir
from qaeci.backends.local_exits import KERNEL_LOG, ExitFinder
from qaeci.backends.local_files import write_atomically
from qaeci.backends.local_ports import PortRegistry

LISTENER_NAME = "qaeci-events"
EVENTS = "PROCESS_STATE,REMOTE_COMMUNICATION"
FLUSH_TYPE = "qaeci-flush"
RECORD_VERSION = 1
LIB_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

READY = b"READY\n"
RESULT_OK = b"RESULT 2\nOK"
RESULT_FAIL = b"RESULT 4\nFAIL"
FAIL_PAUSE = 1.0
ACTIVE_STATES = ("STARTING", "RUNNING", "BACKOFF", "STOPPING")
ENDED_BY_EXIT = ("PROCESS_STATE_EXITED", "PROCESS_STATE_STOPPED")


class ProtocolError(Exception):
    """supervisord sent something that is not an event header: we cannot find the next one."""


def listener_argv(work_dir, supervisord_log, python=None):
    """The listener's command: this module, with the work_dir and supervisord's log file."""
    return [
        python or sys.executable,
        "-m",
        __name__,
        "--work-dir",
        os.path.abspath(work_dir),
        "--supervisord-log",
        supervisord_log,
    ]


def flushed_path(work_dir):
    return os.path.join(events_dir(work_dir), "flushed")


# -- the protocol ----------------------------------------------------------------------------


def tokens(text):
    """ "a:1 b:2" -> {"a": "1", "b": "2"} (supervisord's header and payload format)."""
    pairs = {}
    for token in text.split():
        key, separator, value = token.partition(":")
        if separator:
            pairs[key] = value
    return pairs


def read_event(stdin):
    """(headers, payload text) of the next event; None when supervisord closed our stdin."""
    line = stdin.readline()
    if not line:
        return None
    headers = tokens(line.decode("utf-8", "replace"))
    if not headers.get("len", "").isdigit() or "eventname" not in headers:
        raise ProtocolError("not an event header: %r" % line[:200])
    payload = stdin.read(int(headers["len"]))
    return headers, payload.decode("utf-8", "replace")


def serve(stdin, stdout, handle, pause=FAIL_PAUSE):
    """Answer events until supervisord closes our stdin; handle(headers, payload) -> ok."""
    while True:
        stdout.write(READY)
        stdout.flush()
        event = read_event(stdin)
        if event is None:
            return 0
        ok = handle(*event)
        stdout.write(RESULT_OK if ok else RESULT_FAIL)
        stdout.flush()
        if not ok:
            time.sleep(pause)  # supervisord sends it again once we are READY


# -- events to spool records -----------------------------------------------------------------


def _integer(value):
    return int(value) if value is not None and value.lstrip("-").isdigit() else None


def base_record(headers, payload, now):
    """The event as supervisord told it."""
    fields = tokens(payload)
    expected = fields.get("expected")
    return {
        "v": RECORD_VERSION,
        "time": now,
        "event": headers["eventname"],
        "serial": _integer(headers.get("serial")),
        "server": headers.get("server"),
        "process": fields.get("processname"),
        "group": fields.get("groupname"),
        "from_state": fields.get("from_state"),
        "pid": _integer(fields.get("pid")),
        "tries": _integer(fields.get("tries")),
        "expected": None if expected is None else expected == "1",
        "port": None,
        "exit": None,
        "oom": None,
    }


class EventRecorder(object):
    """Turns events into spool records, with what supervisord's event leaves out: the
    program's port, how its process ended and whether the kernel's OOM killer ended it."""

    def __init__(self, work_dir, supervisord_log, kernel_log=KERNEL_LOG, log=None):
        self.work_dir = os.path.abspath(work_dir)
        self.writer = SpoolWriter(events_dir(self.work_dir))
        self.exits = ExitFinder(supervisord_log, kernel_log)
        self.ports = PortRegistry(self.work_dir)
        self.log = log or sys.stderr
        self._last_exit = {}  # program -> its last end, which a FATAL that follows refers to

    def handle(self, headers, payload):
        """True once the event is spooled (or needs no spooling); False to have it sent again."""
        name = headers["eventname"]
        if name == "REMOTE_COMMUNICATION":
            return self._acknowledge_flush(payload)
        if not name.startswith("PROCESS_STATE_"):
            return True
        record = base_record(headers, payload, time.time())
        try:
            self._complete(record)
        except Exception:  # a missing detail must not cost the event itself
            self.say(
                "could not complete %s of %s:\n%s"
                % (name, record["process"], traceback.format_exc())
            )
        try:
            self.writer.append(record)
        except OSError as error:
            self.say(
                "could not spool %s of %s: %s; supervisord will send it again"
                % (name, record["process"], error)
            )
            return False
        return True

    def _complete(self, record):
        name, event = record["process"], record["event"]
        if not name:
            return
        record["port"] = self._port(name)
        end = None
        if event in ENDED_BY_EXIT:
            end = self.exits.after_exit(name, record["pid"])
        elif event == "PROCESS_STATE_BACKOFF":
            end = self.exits.after_backoff(name)
        elif event == "PROCESS_STATE_FATAL":
            end = self._last_exit.get(name)
        if end is not None:
            self._last_exit[name] = end
            record["exit"] = end.as_record()
            if event != "PROCESS_STATE_FATAL":
                record["oom"] = self.exits.oom_killed(end)

    def _port(self, program):
        env, _, owner = program.partition(".")
        if not owner:
            return None
        try:
            return self.ports.lookup(env, owner)
        except Exception:  # an unreadable ports file leaves the port unknown, nothing more
            return None

    def _acknowledge_flush(self, payload):
        kind, _, data = payload.partition("\n")
        if tokens(kind).get("type") == FLUSH_TYPE and data.strip():
            try:
                write_atomically(flushed_path(self.work_dir), data.strip())
            except OSError as error:
                self.say("could not acknowledge a flush: %s" % error)
        return True

    def say(self, text):
        self.log.write("%s %s\n" % (time.strftime("%Y-%m-%d %H:%M:%S"), text))
        self.log.flush()


# -- the back end's side: nothing lost at shutdown ---------------------------------------------


def quiesce(rpc, work_dir, stop_timeout=60.0, flush_timeout=5.0):
    """Stop every program but the listener and wait until the listener has spooled every event
    sent before; True when it has. `rpc` is supervisord's `supervisor` XML-RPC namespace."""
    infos = rpc.getAllProcessInfo()
    if not any(info["name"] == LISTENER_NAME and info["statename"] == "RUNNING" for info in infos):
        return False
    for info in infos:
        if info["group"] != LISTENER_NAME and info["statename"] in ACTIVE_STATES:
            try:
                rpc.stopProcessGroup(info["group"], False)
            except xmlrpc.client.Fault:
                pass  # it stopped meanwhile
    deadline = time.monotonic() + stop_timeout
    while time.monotonic() < deadline and any(
        info["group"] != LISTENER_NAME and info["statename"] in ACTIVE_STATES
        for info in rpc.getAllProcessInfo()
    ):
        time.sleep(0.1)
    return flush(rpc, work_dir, flush_timeout)


def flush(rpc, work_dir, timeout=5.0):
    """Wait until the listener has spooled every event supervisord queued before this call:
    events reach a listener in order, so a REMOTE_COMMUNICATION event sent now is a marker."""
    token = uuid.uuid4().hex
    rpc.sendRemoteCommEvent(FLUSH_TYPE, token)
    deadline = time.monotonic() + timeout
    path = flushed_path(work_dir)
    while time.monotonic() < deadline:
        try:
            with open(path) as handle:
                if handle.read().strip() == token:
                    return True
        except OSError:
            pass
        time.sleep(0.02)
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="qaeci's supervisord event listener: spools "
        "process state changes for the local events "
        "sensor"
    )
    parser.add_argument("--work-dir", required=True, help="the local back end's work_dir")
    parser.add_argument("--supervisord-log", required=True, help="supervisord's own log file")
    parser.add_argument(
        "--kernel-log",
        default=KERNEL_LOG,
        help="where to read kernel records for OOM kills (default /dev/kmsg)",
    )
    args = parser.parse_args(argv)
    recorder = EventRecorder(args.work_dir, args.supervisord_log, args.kernel_log)
    try:
        return serve(sys.stdin.buffer, sys.stdout.buffer, recorder.handle)
    except ProtocolError as error:
        # Out of step with supervisord: exit, and it restarts us and sends the event again.
        recorder.say("%s; exiting so supervisord restarts the listener" % error)
        return 2


if __name__ == "__main__":
    sys.exit(main())
