"""The announcement service (StackStorm's AnnouncementDispatcher and the `st2.announcement`
exchange): publish a payload on a route; the stream sends it as the SSE event
`st2.announcement__<route>` with data `{"payload": ..., "trace_context": ...}`.

Unlike StackStorm, which drops an announcement nobody is listening for, st2lite keeps it
(st2lite.store.announcements, bounded in count and age) until a listener of its route takes it:
`undelivered(route)` then `mark_delivered(ids)`. A listener in the same process (the stream of
`st2lite serve`) can also be called at once on each publish (`add_listener`); announcements
published by other st2lite processes reach it through `undelivered`.
"""

import logging
import threading
import weakref

from st2lite.store.announcements import AnnouncementStore

EVENT_PREFIX = "st2.announcement__"
_STORES = weakref.WeakKeyDictionary()  # one store per Database: the table is created once
_LISTENERS = []
_LISTENERS_LOCK = threading.Lock()
LOG = logging.getLogger(__name__)


class AnnouncementError(ValueError):
    """A payload or route StackStorm's dispatcher would refuse."""


def store_for(db):
    store = _STORES.get(db)
    if store is None:
        store = _STORES[db] = AnnouncementStore(db)
    return store


def publish(db, route, payload, trace_context=None):
    """Record an announcement; returns it as stored (with its id and created_at)."""
    if not isinstance(route, str) or not route:
        raise AnnouncementError("the announcement route must be non-empty text, got %r" % (route,))
    if payload is not None and not isinstance(payload, dict):
        raise AnnouncementError(
            "the announcement payload must be an object, got %s" % type(payload).__name__
        )
    if trace_context is not None and not isinstance(trace_context, dict):
        raise AnnouncementError(
            "the trace context must be an object, got %s" % type(trace_context).__name__
        )
    announcement = store_for(db).add(route, payload, trace_context)
    _tell_listeners(announcement)
    return announcement


def add_listener(callback):
    """callback(announcement) after each publish in this process, on the publishing thread:
    it must return quickly (e.g. wake the stream) and its errors never fail the publisher."""
    with _LISTENERS_LOCK:
        _LISTENERS.append(callback)


def remove_listener(callback):
    with _LISTENERS_LOCK:
        if callback in _LISTENERS:
            _LISTENERS.remove(callback)


def _tell_listeners(announcement):
    with _LISTENERS_LOCK:
        listeners = list(_LISTENERS)
    for callback in listeners:
        try:
            callback(announcement)
        except Exception:  # a broken listener must not fail the action that announced
            LOG.exception("announcement listener %r failed", callback)


def recent(db, route=None, limit=50):
    """The newest announcements first, of one route or all."""
    return store_for(db).recent(route=route, limit=limit)


def undelivered(db, route, after_id=0):
    """The route's announcements no listener has taken yet, oldest first."""
    return store_for(db).undelivered(route, after_id=after_id)


def mark_delivered(db, ids):
    """Record that a listener took these; returns how many were newly marked."""
    return store_for(db).mark_delivered(ids)


def event_name(announcement):
    return EVENT_PREFIX + announcement["route"]


def event_data(announcement):
    """What StackStorm's stream sends as the event's data."""
    return {"payload": announcement["payload"], "trace_context": announcement["trace_context"]}
