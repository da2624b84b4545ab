"""The local back end's event spool: supervisord's event listener appends one JSON line per
process state change, and the local events sensor reads them in order, remembering how far it
got.

Why a spool file rather than a unix socket: supervisord must never wait on us, and no event may
be lost while the sensor is not running (st2 restarting, the sensor crashed or not installed
yet). A socket needs a live reader, or a buffer in the listener's memory that is bounded and dies
with the listener; an append-only file needs neither, survives restarts on either side (the
supervisord's, the sensor's, the machine's) and replays in order. Its cost is disk space, which
is bounded: segments of SEGMENT_BYTES, at most MAX_SEGMENTS of them (some 300,000 events).

Layout of WORK_DIR/events/:
  generation            a random id written when the spool is created: a cursor taken on an
                        earlier spool (the directory deleted and made again) is not trusted
  spool/NNNNNNNNNN.jsonl  the segments; writers append to the newest one
  writer.lock           serialises writers (the listener of a supervisord being replaced and
                        its successor may overlap)
  cursor.json           {"generation", "segment", "offset"}: how far the sensor has dispatched
  consumer.lock         held by the one sensor that reads, so no trigger is dispatched twice
"""

import fcntl
import json
import os
import uuid

from qaeci.backends.local_files import write_atomically
from qaeci.backends.local_locks import file_lock

SEGMENT_BYTES = 1024 * 1024
MAX_SEGMENTS = 100
READ_BYTES = 256 * 1024
SEGMENT_SUFFIX = ".jsonl"


def events_dir(work_dir):
    return os.path.join(os.path.abspath(os.path.expanduser(work_dir)), "events")


def _segment_name(number):
    return "%010d%s" % (number, SEGMENT_SUFFIX)


def _read_text(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return None


class _Paths(object):
    def __init__(self, directory):
        self.root = directory
        self.spool = os.path.join(directory, "spool")
        self.generation = os.path.join(directory, "generation")
        self.writer_lock = os.path.join(directory, "writer.lock")
        self.cursor = os.path.join(directory, "cursor.json")
        self.consumer_lock = os.path.join(directory, "consumer.lock")

    def segment(self, number):
        return os.path.join(self.spool, _segment_name(number))

    def segments(self):
        """Numbers of the segments present, oldest first."""
        try:
            names = os.listdir(self.spool)
        except FileNotFoundError:
            return []
        return sorted(
            int(name[: -len(SEGMENT_SUFFIX)])
            for name in names
            if name.endswith(SEGMENT_SUFFIX) and name[: -len(SEGMENT_SUFFIX)].isdigit()
        )


class SpoolWriter(object):
    """Appends records, one JSON line each, in one write() so a reader never sees half a line
    unless the writer died in the middle of it."""

    def __init__(self, directory, segment_bytes=SEGMENT_BYTES, max_segments=MAX_SEGMENTS):
        self.paths = _Paths(directory)
        self.segment_bytes = segment_bytes
        self.max_segments = max_segments
        self._started = False

    def append(self, record):
        line = (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")
        os.makedirs(self.paths.spool, exist_ok=True)
        with file_lock(self.paths.writer_lock):
            if not self._started:
                self._start()
            _append(self.paths.segment(self._segment_for(len(line))), line)

    def _start(self):
        if not os.path.exists(self.paths.generation):
            write_atomically(self.paths.generation, uuid.uuid4().hex + "\n")
        segments = self.paths.segments()
        if segments:
            _terminate_torn_line(self.paths.segment(segments[-1]))
        self._started = True

    def _segment_for(self, size):
        """The newest segment, or a new one when the line would take the newest past its size."""
        segments = self.paths.segments()
        if not segments:
            return 1
        newest = segments[-1]
        used = _size(self.paths.segment(newest))
        if used == 0 or used + size <= self.segment_bytes:
            return newest
        for old in segments[: max(0, len(segments) + 1 - self.max_segments)]:
            os.unlink(self.paths.segment(old))  # the bound on disk use: oldest events go first
        return newest + 1


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _append(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)


def _terminate_torn_line(path):
    """A writer that died mid-line left it without its newline: end it, so the next record
    starts on a line of its own (the torn one is then skipped as malformed)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(-1, os.SEEK_END)
            torn = handle.read(1) != b"\n"
    except OSError:
        return  # empty or missing
    if torn:
        _append(path, b"\n")


class SpoolLine(object):
    """One line of the spool and the position just after it."""

    def __init__(self, text, segment, end):
        self.text = text
        self.segment = segment
        self.end = end


class SpoolReader(object):
    """Reads the spool from the cursor on. `notices` collects one line for each thing the
    reader had to skip (segments dropped by the size bound, a spool made anew), for the sensor
    to log."""

    def __init__(self, directory):
        self.paths = _Paths(directory)
        self.notices = []
        self._cursor = None
        self._lock_handle = None

    def exists(self):
        return os.path.exists(self.paths.generation)

    # -- the one consumer ------------------------------------------------------------------
    def acquire(self):
        """Become the spool's consumer; False while another sensor is."""
        if self._lock_handle is not None:
            return True
        handle = open(self.paths.consumer_lock, "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._lock_handle = handle
        return True

    def release(self):
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    # -- reading ---------------------------------------------------------------------------
    def read(self, max_lines):
        """Up to max_lines complete lines after the cursor (without moving it)."""
        generation = _read_text(self.paths.generation)
        if not generation:
            return []
        segment, offset = self._position(generation)
        while True:
            newer = [number for number in self.paths.segments() if number > segment]
            lines = self._read_segment(segment, offset, max_lines, final=bool(newer))
            if lines or not newer:
                return lines
            segment, offset = newer[0], 0
            self._cursor = {"generation": generation, "segment": segment, "offset": 0}

    def _position(self, generation):
        cursor = self._cursor or self._load_cursor()
        segments = self.paths.segments()
        if cursor is None or cursor.get("generation") != generation:
            if cursor is not None:
                self.notices.append("the event spool was made anew; reading it from its start")
            cursor = {
                "generation": generation,
                "segment": segments[0] if segments else 1,
                "offset": 0,
            }
        elif segments and cursor["segment"] < segments[0]:
            self.notices.append(
                "%d spool segment(s) were dropped unread (the spool keeps at most %d): events "
                "in them are lost" % (segments[0] - cursor["segment"], MAX_SEGMENTS)
            )
            cursor = dict(cursor, segment=segments[0], offset=0)
        self._cursor = cursor
        return cursor["segment"], cursor["offset"]

    def _load_cursor(self):
        try:
            with open(self.paths.cursor) as handle:
                cursor = json.load(handle)
            int(cursor["segment"]), int(cursor["offset"])
            return cursor
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _read_segment(self, segment, offset, max_lines, final):
        """Complete lines of a segment from offset; a final segment (a newer one exists, so no
        one writes here any more) also yields a trailing line without its newline."""
        try:
            with open(self.paths.segment(segment), "rb") as handle:
                handle.seek(offset)
                data = handle.read(READ_BYTES)
                more = bool(handle.read(1))
        except FileNotFoundError:
            return []
        pieces = data.split(b"\n")
        rest = pieces.pop()  # what follows the last newline
        if rest and ((final and not more) or (not pieces and more)):
            # the end of a segment no one writes any more, or a line longer than a whole read:
            # either way, garbage to be skipped rather than waited for
            pieces.append(rest)
        lines = []
        position = offset
        for raw in pieces[:max_lines]:
            position = min(position + len(raw) + 1, offset + len(data))
            lines.append(SpoolLine(raw.decode("utf-8", "replace"), segment, position))
        return lines

    def commit(self, line):
        """Everything up to and including `line` is dispatched: remember it, and delete the
        segments before its own."""
        self._cursor = dict(self._cursor, segment=line.segment, offset=line.end)
        write_atomically(self.paths.cursor, json.dumps(self._cursor, sort_keys=True))
        for number in self.paths.segments():
            if number < line.segment:
                try:
                    os.unlink(self.paths.segment(number))
                except FileNotFoundError:
                    pass
