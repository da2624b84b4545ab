"""`GET /stream`: Server-Sent Events as StackStorm's stream service sends them.

Frames are `id: <A>-<N>`, `event: <exchange>__<routing key>`, `data: <compact JSON>`, each
written in one piece (err-stackstorm's reader needs that); a bare newline right after
connecting and every `heartbeat` seconds keeps proxies and clients from timing out. Execution
events come from the event bus as they happen; announcements from the announcement store
(st2lite.api.announcement_feed: kept ones, `Last-Event-ID`, the meaning of A and N) and output
from the output store (st2lite.api.output_feed), the bus only waking the stream when this
process adds to them. An execution's output is sent before the event that ends it.
"""

import itertools
import json
import queue
import time

from st2lite import announcements
from st2lite.api.announcement_feed import AnnouncementFeed, last_event_position
from st2lite.api.errors import not_found
from st2lite.api.http import StreamingResponse
from st2lite.api.output_feed import (
    OUTPUT_EVENT,
    ExecutionOutput,
    OutputFeed,
    recorded,
    wanted_type,
)
from st2lite.store.executions import FINAL_STATES, ExecutionNotFound

DEFAULT_EVENTS = (
    "st2.announcement__*",
    "st2.execution__create",
    "st2.execution__update",
    "st2.execution__delete",
    "st2.liveaction__create",
    "st2.liveaction__update",
    "st2.liveaction__delete",
)
HEADERS = (
    ("Content-Type", "text/event-stream; charset=UTF-8"),
    ("Cache-Control", "no-cache"),
    ("X-Accel-Buffering", "no"),
)
POLL_SECONDS = 0.5  # how often a quiet stream looks whether the server is stopping


def _csv(text):
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def frame(event_id, name, data):
    payload = json.dumps(data, default=str, separators=(",", ":"))
    return ("id: %s\nevent: %s\ndata: %s\n\n" % (event_id, name, payload)).encode("utf-8")


class StreamRequest(object):
    """The client's filters: events (globs), action_refs, execution_ids, end_event with
    end_execution_id (the stream closes after that execution's completing event)."""

    def __init__(self, query):
        self.events = _csv(query.get("events")) or list(DEFAULT_EVENTS)
        self.action_refs = set(_csv(query.get("action_refs")))
        self.execution_ids = set(_csv(query.get("execution_ids")))
        self.end_event = query.get("end_event")
        self.end_execution_id = query.get("end_execution_id")

    def accept(self, name, data):
        if not isinstance(data, dict):
            return True
        execution_id = data.get("execution_id") or data.get("id")
        if self.execution_ids and execution_id not in self.execution_ids:
            return False
        action = data.get("action")
        action_ref = action.get("ref") if isinstance(action, dict) else data.get("action_ref")
        return not self.action_refs or action_ref in self.action_refs

    def ends_with(self, name, data):
        return (
            self.end_event
            and self.end_execution_id
            and name == self.end_event
            and isinstance(data, dict)
            and data.get("id") == self.end_execution_id
            and data.get("status") in FINAL_STATES
        )


def stream_response(app, request):
    wanted = StreamRequest(request.query)
    feed = AnnouncementFeed(app.runtime.db, wanted, request.identity, last_event_position(request))
    outputs = OutputFeed(app.runtime.output, wanted)
    subscription = app.bus.subscribe(wanted.events, wanted.accept)

    def produce(write):
        try:
            write(b"\n")
            if _already_ended(app, wanted, feed, write):
                return
            send_announcements = _announcer(feed, write)
            send_announcements(feed.kept() + feed.newer())

            def send_output():
                found = outputs.newer()
                for data in found:
                    write(frame(feed.next_id(), OUTPUT_EVENT, data))
                return bool(found)

            _pump(
                app,
                subscription,
                write,
                _deliver_all(wanted, feed, write, send_announcements, send_output),
                idle=lambda: any([send_announcements(feed.newer()), send_output()]),
            )
        finally:
            app.bus.unsubscribe(subscription)

    return StreamingResponse(produce, HEADERS)


def _announcer(feed, write):
    """send(announcements) -> whether anything was written; each is marked delivered once
    written (when this connection takes kept announcements)."""

    def send(found):
        for announcement in found:
            write(
                frame(
                    feed.next_id(),
                    announcements.event_name(announcement),
                    announcements.event_data(announcement),
                )
            )
            feed.sent(announcement)
        return bool(found)

    return send


def _already_ended(app, wanted, feed, write):
    """An execution that ended before the client subscribed: its end is sent at once (StackStorm
    would leave such a client waiting forever)."""
    if not (wanted.end_event and wanted.end_execution_id):
        return False
    try:
        data = app.execution_events.shaped(wanted.end_execution_id)
    except ExecutionNotFound:
        return False
    if not wanted.ends_with(wanted.end_event, data):
        return False
    record = app.runtime.executions.get(wanted.end_execution_id, with_children=False)
    if OutputFeed(app.runtime.output, wanted).active:
        for output in recorded(app.runtime, record):
            write(frame(feed.next_id(), OUTPUT_EVENT, output))
    write(frame(feed.next_id(), wanted.end_event, data))
    return True


def _pump(app, subscription, write, deliver, idle=None):
    """Hand each event to deliver(name, data), which returns True to end the stream; while
    nothing comes, idle() (True when it wrote something) or else a bare newline every
    heartbeat."""
    last_write = time.monotonic()
    while not app.stopping.is_set() and not subscription.overflowed:
        try:
            _event_id, name, data = subscription.queue.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if idle is not None and idle():
                last_write = time.monotonic()
            elif time.monotonic() - last_write >= app.heartbeat_seconds:
                write(b"\n")
                last_write = time.monotonic()
            continue
        last_write = time.monotonic()
        if deliver(name, data):
            return


def _deliver_all(wanted, feed, write, send_announcements, send_output):
    """Execution events as they come, each after the output stored before it; announcement and
    output events are only wake-ups: what is new is read from the stores (in order, with what
    other processes added)."""

    def deliver(name, data):
        if name.startswith(announcements.EVENT_PREFIX):
            send_announcements(feed.newer())
            return False
        send_output()
        if name == OUTPUT_EVENT:
            return False
        write(frame(feed.next_id(), name, data))
        return wanted.ends_with(name, data)

    return deliver


# --- GET /executions/{id}/output: one execution's output, then EOF (st2web's Code view) -----

NO_MORE_DATA = b"event: EOF\ndata: ''\n\n"
CLOSING_STATES = FINAL_STATES + ("pausing", "resuming")


def execution_output_response(app, request, execution_id):
    """What the execution wrote so far, then what it writes until it ends (or pauses), then an
    EOF event. Followed in the output store, so also when another st2lite process runs it."""
    record = _execution_or_404(app, execution_id)
    output = ExecutionOutput(app.runtime.output, record["id"], wanted_type(request.query))
    subscription = app.bus.subscribe(
        [OUTPUT_EVENT, "st2.execution__update"],
        lambda name, data: (data.get("execution_id") or data.get("id")) == record["id"],
    )
    event_ids = itertools.count(1)

    def produce(write):
        def send(found):
            for data in found:
                write(frame(next(event_ids), OUTPUT_EVENT, data))
            return bool(found)

        try:
            current = app.runtime.executions.get(record["id"], with_children=False)
            if current["status"] in CLOSING_STATES:
                send(recorded(app.runtime, current, output.output_type))
            elif not _follow(app, subscription, record["id"], output, send, write):
                return
            write(NO_MORE_DATA)
        finally:
            app.bus.unsubscribe(subscription)

    return StreamingResponse(produce, HEADERS)


def _follow(app, subscription, execution_id, output, send, write):
    """Sends the execution's output as it is stored until the execution ends (then True), or
    the server stops or this client falls behind (False). Woken by this process's events,
    looking in the store every POLL_SECONDS otherwise."""
    last_write = time.monotonic()
    while not app.stopping.is_set() and not subscription.overflowed:
        status = app.runtime.executions.get(execution_id, with_children=False)["status"]
        if send(output.newer()):
            last_write = time.monotonic()
        if status in CLOSING_STATES:
            return True
        if time.monotonic() - last_write >= app.heartbeat_seconds:
            write(b"\n")
            last_write = time.monotonic()
        _wait_for_events(subscription.queue)
    return False


def _wait_for_events(events):
    """Up to POLL_SECONDS for an event, then takes any others already there (they are only
    wake-ups: what they announce is read from the stores)."""
    try:
        events.get(timeout=POLL_SECONDS)
    except queue.Empty:
        return
    while True:
        try:
            events.get_nowait()
        except queue.Empty:
            return


def _execution_or_404(app, execution_id):
    if execution_id == "last":
        rows = app.runtime.executions.list(limit=1, top_level=False)
        if not rows:
            raise not_found("No executions found in the database")
        return rows[0]
    try:
        return app.runtime.executions.get(execution_id, with_children=False)
    except ExecutionNotFound as error:
        raise not_found('Execution with id "%s" not found.' % execution_id) from error
