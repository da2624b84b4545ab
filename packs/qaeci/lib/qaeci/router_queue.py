"""Route changes waiting for the router lock: one ticket file each, held by whoever asked.

A requester writes its change as a ticket and holds an flock on it until it has read the
outcome. A ticket nobody holds belongs to a requester that died (killed while waiting for its
turn): its change is removed unapplied, since nobody is left who wants it. Applying it later
would bring back routes of an environment that may be gone by then, pointing at ports that
other apps have since been given.

Files of one ticket, STEM being `<nanoseconds>-<unique>` (names sort in queue order):
  STEM.json    the change, waiting to be applied
  STEM.served  the same file once applied (or refused); the requester removes it
  STEM.failed  why it was refused, next to STEM.served
"""

import fcntl
import json
import os
import tempfile
import time

from qaeci.backends.local_locks import held_by_another

PENDING = ".json"
SERVED = ".served"
FAILED = ".failed"
LOCK_BEARING = (PENDING, SERVED)  # renamed from one to the other: the requester's lock goes along
TEMPORARY_PREFIX = ".new-"


class Ticket(object):
    """One queued change, locked by this process until close()."""

    def __init__(self, stem, fd):
        self.stem = stem
        self._fd = fd

    def is_pending(self):
        return os.path.exists(self.stem + PENDING)

    def failure(self):
        """Why the change was refused, or None once it was applied."""
        return _read_text(self.stem + FAILED)

    def close(self):
        for suffix in (FAILED, SERVED, PENDING):
            _remove(self.stem + suffix)
        os.close(self._fd)


class RouteQueue(object):
    def __init__(self, directory):
        self.directory = directory

    def submit(self, change):
        """A Ticket for CHANGE, visible to others only once written and locked."""
        os.makedirs(self.directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=TEMPORARY_PREFIX)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, json.dumps(change).encode("utf-8"))
            stem = os.path.join(
                self.directory,
                "%020d-%s" % (time.time_ns(), os.path.basename(temporary)[len(TEMPORARY_PREFIX) :]),
            )
            os.rename(temporary, stem + PENDING)
        except BaseException:
            _remove(temporary)
            os.close(fd)
            raise
        return Ticket(stem, fd)

    def take_pending(self):
        """[(stem, change)] of every ticket waiting, oldest first, once the tickets of dead
        requesters are removed. Call it holding the router lock."""
        self._remove_abandoned()
        pending = []
        for name in sorted(os.listdir(self.directory)):
            if name.endswith(PENDING) and not name.startswith(TEMPORARY_PREFIX):
                stem = os.path.join(self.directory, name[: -len(PENDING)])
                pending.append((stem, _parse(_read_text(stem + PENDING))))
        return pending

    def mark_served(self, stem, error=None):
        """Record the outcome for the requester, which removes the files as it reads them."""
        if error is None:
            _remove(stem + FAILED)  # from a server killed before it could rename the ticket
        else:
            _write(stem + FAILED, error)
        try:
            os.rename(stem + PENDING, stem + SERVED)
        except FileNotFoundError:  # its requester gave up waiting (interrupted): no one reads it
            _remove(stem + FAILED)

    def _remove_abandoned(self):
        files_of = {}
        for name in os.listdir(self.directory):
            if not name.startswith(TEMPORARY_PREFIX):
                files_of.setdefault(name.split(".", 1)[0], []).append(name)
        for stem, names in files_of.items():
            held = [
                name
                for name in names
                if name[len(stem) :] in LOCK_BEARING
                and held_by_another(os.path.join(self.directory, name))
            ]
            if not held:
                for name in names:
                    _remove(os.path.join(self.directory, name))


def _parse(text):
    """The change a ticket holds; None (refused when applied) if it cannot be read."""
    try:
        return json.loads(text or "null")
    except ValueError:
        return None


def _read_text(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return None


def _write(path, text):
    with open(path, "w") as handle:
        handle.write(text)


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
