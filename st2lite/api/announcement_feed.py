"""The announcements one stream connection sends (`st2.announcement__<route>`), read from the
announcement store, so that those published by any st2lite process, and those kept while no
listener was connected, reach it.

A connection whose `events` take a route's announcements is a listener of that route when it
authenticated with a token or API key in a header or the query string, as chat bots do (or with
auth off): on connecting it takes the announcements kept for its routes, and each it is sent is
marked delivered. A browser's EventSource, which can send only the `auth-token` cookie (st2web),
sees announcements as they come but takes none kept: a tab left open would otherwise take the
results meant for a bot that is away. With `action_refs` or `execution_ids` set, no announcement
passes, as on StackStorm.

SSE event ids are `<A>-<N>`: A the newest announcement this connection has read (sent or not
wanted), N the connection's event count. A client reconnecting with `Last-Event-ID` gets every
announcement for its events after A, delivered to others or not: no gap and no duplicate.
"""

import fnmatch

from st2lite import announcements
from st2lite.store.reading import all_after

COOKIE = "cookie"


def last_event_position(request):
    """A from the Last-Event-ID header, or None when absent or not one of ours."""
    text = (request.headers.get("Last-Event-ID") or "").strip()
    head = text.split("-", 1)[0]
    return int(head) if head.isdigit() else None


class AnnouncementFeed(object):
    def __init__(self, db, wanted, identity, resume_from=None):
        self.store = announcements.store_for(db)
        filtered = wanted.action_refs or wanted.execution_ids
        self.patterns = [] if filtered else [p for p in wanted.events if _may_be_announcement(p)]
        self.takes_kept = identity is None or identity.location != COOKIE
        latest = self.store.latest_id()
        self.position = latest if resume_from is None else min(resume_from, latest)
        self._sent = 0

    @property
    def active(self):
        return bool(self.patterns)

    def next_id(self):
        self._sent += 1
        return "%d-%d" % (self.position, self._sent)

    def wants(self, announcement):
        name = announcements.event_name(announcement)
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.patterns)

    def kept(self):
        """On connecting: the announcements kept for this listener's routes (up to the
        position; newer ones come from `newer`)."""
        if not (self.active and self.takes_kept):
            return []
        return [a for a in self.store.undelivered_through(self.position) if self.wants(a)]

    def newer(self):
        """The wanted announcements published since the last call, oldest first."""
        if not self.active:
            return []
        found, self.position = all_after(self.store, self.position)
        return [a for a in found if self.wants(a)]

    def sent(self, announcement):
        if self.takes_kept:
            self.store.mark_delivered([announcement["id"]])


def _may_be_announcement(pattern):
    return fnmatch.fnmatchcase(announcements.EVENT_PREFIX + "x", pattern) or pattern.startswith(
        announcements.EVENT_PREFIX
    )
