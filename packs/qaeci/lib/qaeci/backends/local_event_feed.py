"""The local events sensor's work, apart from StackStorm: read the event spool from where it was
left, dispatch each record's triggers, and move the cursor past what was dispatched.

A trigger is dispatched at least once: the cursor is saved after a batch (and after the last
line that went out when a dispatch fails), so a sensor killed in between sends again, on its next
start, what it sent since the last save. A malformed line is skipped and counted; each kind is
logged once.
"""

import json

from qaeci.backends.local_event_spool import SpoolReader
from qaeci.backends.local_event_triggers import MalformedRecord, triggers_for
from qaeci.sensing.problems import MalformedEvents

BATCH_LINES = 200


class LocalEventFeed(object):
    def __init__(self, spool_dir, dispatch, logger, batch_lines=BATCH_LINES):
        """dispatch(trigger name, payload)."""
        self.reader = SpoolReader(spool_dir)
        self.dispatch = dispatch
        self.logger = logger
        self.batch_lines = batch_lines
        self.malformed = MalformedEvents(logger)
        self.dispatched = 0
        self._said = set()

    def poll(self):
        """Dispatch what the spool holds beyond the cursor, a batch at a time; the number of
        triggers dispatched. Quiet while the spool does not exist (the local back end never
        ran)."""
        if not self.reader.exists() or not self._consuming():
            return 0
        sent = 0
        while True:
            lines = self.reader.read(self.batch_lines)
            self._log_notices()
            if not lines:
                return sent
            sent += self._dispatch_lines(lines)

    def close(self):
        self.reader.release()

    def _consuming(self):
        if self.reader.acquire():
            return True
        self._say_once(
            "another sensor is reading the event spool %s; this one waits until it "
            "stops" % self.reader.paths.root
        )
        return False

    def _dispatch_lines(self, lines):
        sent, done = 0, None
        try:
            for line in lines:
                for name, payload in self._triggers(line):
                    self.dispatch(name, payload)
                    sent += 1
                done = line
        finally:
            if done is not None:
                self.reader.commit(done)
            self.dispatched += sent
        return sent

    def _triggers(self, line):
        try:
            record = json.loads(line.text)
        except ValueError as error:
            return self._skip("not JSON", line, error)
        try:
            return triggers_for(record)
        except MalformedRecord as error:
            return self._skip(error.kind, line, error)
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            return self._skip("unreadable field values", line, error)

    def _skip(self, kind, line, error):
        where = "event spool segment %d byte %d" % (line.segment, line.end)
        self.malformed.skip(where, kind, "%s: %r" % (error, line.text[:120]))
        return []

    def _log_notices(self):
        for notice in self.reader.notices:
            self.logger.warning(notice)
        del self.reader.notices[:]

    def _say_once(self, text):
        if text not in self._said:
            self._said.add(text)
            self.logger.info(text)
