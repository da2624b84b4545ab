"""One Marathon's event stream followed for as long as the sensor runs.

Each session:
1. asks the configured Marathon for the leader (`GET /v2/leader`; every member answers it) and
   opens `/v2/events` on the leader itself, filtered to the events the sensor uses;
2. a reader thread reads the stream from then on, parsing frames into a queue: the socket is
   drained as fast as it fills whatever the dispatching costs, so Marathon never drops the
   sensor as a slow consumer (its bus keeps 50 to 1024 unsent events per consumer); a backlog
   waits in this process's memory instead, where nothing is lost;
3. meanwhile this thread reconciles (marathon_reconcile) from `/v2/apps` and `/v2/deployments`,
   dispatching what changed while the stream was down, then the queued and new events.

A session ends when Marathon closes the stream (a leader change, a proxy, a dropped consumer), or
when not one byte came for `stall_timeout` seconds although Marathon sends a heartbeat every
10 s: a stream a proxy or a half-dead connection left silent (marathon-lb notices that only
after 300 s). Then it reconnects with jittered back-off. Errors are one line naming the Marathon
and the fix, logged once until they change (sensing.problems).

What the sensor knows (marathon_view) is saved in its datastore, so a restarted sensor also
reports what changed while it was not running.
"""

import queue
import socket
import threading
import time
import urllib.parse

from qaeci.backends.base import BackendError
from qaeci.backends.marathon_client import MarathonClient
from qaeci.marathon_events import SUBSCRIBED, EventTranslator, Malformed
from qaeci.marathon_reconcile import Reconciliation, read_snapshot
from qaeci.marathon_sse import SseParser
from qaeci.marathon_stream_http import EventConnection, StreamError
from qaeci.marathon_view import ClusterView
from qaeci.sensing.backoff import Backoff

SAVE_EVERY = 2.0  # seconds between saves of the view while events flow
END_LOG_EVERY = 60.0  # at most one line a minute about streams that ended (and reopened)
READ_SHARE = 0.8  # of stall_timeout: silence before asking /ping (12 s of 15: > heartbeat)


class StreamEnded(object):
    """What the reader puts last in the queue: why the stream ended."""

    def __init__(self, reason, stalled=False):
        self.reason = reason
        self.stalled = stalled


class MarathonStreamWatch(object):
    """cluster: a cluster_config.Cluster with a marathon_url; settings: cluster_config's
    sensor_settings; dispatch(trigger name, payload); store: get_value/set_value (the sensor
    service); problems: EndpointProblems; malformed: MalformedEvents."""

    def __init__(self, cluster, settings, dispatch, store, logger, problems, malformed):
        self.cluster = cluster
        self.name = cluster.name
        self.settings = settings
        self._dispatch = dispatch
        self._store = store
        self._logger = logger
        self._problems = problems
        self._malformed = malformed
        self._backoff = Backoff(settings["retry_first"], settings["retry_max"])
        self._state_key = "marathon_view.%s" % cluster.name
        self.view = self._load_view()
        self._translator = EventTranslator(self.name, self.view) if self.view is not None else None
        self.leader_url = None
        self.ingested = 0  # events read from the streams
        self.sessions = 0  # streams opened and reconciled
        self.connected = threading.Event()  # set while a reconciled stream is followed
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._connection = None
        self._saved_at = 0.0
        self._ends_unlogged = 0
        self._end_logged_at = None

    def __str__(self):
        return "Marathon %s (%s)" % (self.name, self.leader_url or self.cluster.marathon_url)

    # -- life cycle -----------------------------------------------------------------------------

    def run(self):
        """Follow the cluster until stop(); never raises."""
        while not self._stop.is_set():
            try:
                ended = self._session()
                if ended is not None and not self._stop.is_set():
                    self._log_end(ended)
            except (StreamError, BackendError) as error:
                self._problems.failed(self.name, str(error))
            except Exception as error:  # a bug must not end the watch: name it, go on
                self._problems.failed(
                    self.name,
                    "%s: unexpected %s in the event sensor: %s; "
                    "reconnecting" % (self, type(error).__name__, error),
                )
            finally:
                self.connected.clear()
                self._save(force=True)
            if self._stop.wait(self._backoff.next_delay()):
                break

    def stop(self):
        self._stop.set()
        with self._lock:
            connection = self._connection
        if connection is not None:
            connection.close()

    # -- one session ----------------------------------------------------------------------------

    def _session(self):
        connection = EventConnection(
            self.name,
            self._find_leader(),
            self.cluster.marathon_auth,
            self.cluster.marathon_ca_file,
            SUBSCRIBED,
            self.settings["request_timeout"],
            self._read_timeout(),
        )
        with self._lock:
            self._connection = connection
        if self._stop.is_set():
            return None
        connection.open()
        if self._stop.is_set():  # stop() came while it was opening
            connection.close()
            return None
        self.leader_url = connection.url
        inbox = queue.SimpleQueue()
        reader = threading.Thread(
            target=self._read,
            args=(connection, inbox),
            daemon=True,
            name="marathon-events-%s" % self.name,
        )
        reader.start()
        try:
            ended = self._reconcile(self._client(connection.url), inbox)
            self._problems.succeeded(self.name, str(self))
            self._backoff.reset()
            self.sessions += 1
            self.connected.set()
            return ended or self._follow(inbox)
        finally:
            connection.close()

    def _find_leader(self):
        """The leader's URL. Behind a proxy with a path (https://dcos/service/marathon) the
        proxy's URL, since the leader's own host:port is an inside address there."""
        base = urllib.parse.urlsplit(self.cluster.marathon_url)
        if base.path.strip("/"):
            return self.cluster.marathon_url
        candidates = [self.cluster.marathon_url]
        if self.leader_url and self.leader_url != self.cluster.marathon_url:
            candidates.append(self.leader_url)  # the configured member may be the one down
        failure = None
        for url in candidates:
            try:
                leader = self._client(url).request("GET", "/v2/leader")[1]
            except BackendError as error:
                failure = failure or error
                continue
            if isinstance(leader, dict) and isinstance(leader.get("leader"), str):
                return "%s://%s" % (base.scheme, leader["leader"])
            failure = failure or StreamError(
                "%s answered GET /v2/leader without a leader; fix: "
                "check that clusters.%s.marathon_url is a Marathon" % (self, self.name)
            )
        raise failure

    def _reconcile(self, client, inbox):
        """Dispatch what changed while away, then the events queued meanwhile; the stream's
        end if it came already."""
        apps, deployments = read_snapshot(client)
        first = self.view is None
        if first:
            self.view = ClusterView()
            self._translator = EventTranslator(self.name, self.view)
        reconciliation = Reconciliation(self.name, self.view, apps, deployments, emit=not first)
        self._send(reconciliation.news())
        ended = self._drain(inbox)
        self._send(reconciliation.endings())
        self._save(force=True)
        return ended

    def _follow(self, inbox):
        while True:
            item = inbox.get()
            if isinstance(item, StreamEnded):
                return item
            self._handle(item)
            self._save()

    def _drain(self, inbox):
        while True:
            try:
                item = inbox.get_nowait()
            except queue.Empty:
                return None
            if isinstance(item, StreamEnded):
                return item
            self._handle(item)

    def _handle(self, events):
        self.ingested += len(events)
        translate, dispatch = self._translator.translate, self._dispatch
        for event_type, data in events:
            try:
                found = translate(event_type, data)
            except Malformed as problem:
                self._malformed.skip(str(self), problem.kind, str(problem))
                continue
            for name, payload in found:
                dispatch(name, payload)

    def _send(self, found):
        for name, payload in found:
            self._dispatch(name, payload)

    # -- the reader thread ----------------------------------------------------------------------

    def _read(self, connection, inbox):
        parser = SseParser()
        ended = StreamEnded("closed by Marathon")
        try:
            while True:
                try:
                    chunk = connection.read()
                except socket.timeout:
                    ended = StreamEnded(self._stall_reason(connection.url), stalled=True)
                    break
                if not chunk:
                    break
                events = parser.feed(chunk)
                if events:
                    inbox.put(events)
        except Exception as error:  # whatever broke the connection ends this stream only
            ended = StreamEnded("reading it failed: %s" % (str(error) or type(error).__name__))
        finally:
            connection.close()
            inbox.put(ended)

    def _read_timeout(self):
        return self.settings["marathon_stall_timeout"] * READ_SHARE

    def _stall_reason(self, url):
        silence = self._read_timeout()
        ping_timeout = self.settings["marathon_stall_timeout"] - silence
        try:
            self._client(url, ping_timeout).request("GET", "/ping")
        except BackendError as error:
            return "no byte for %gs, and /ping fails too (%s)" % (silence, error)
        return "stalled: not one byte, not even a heartbeat, for %gs while /ping answers" % silence

    def _log_end(self, ended):
        """A stall is a warning each time; a stream Marathon closed (a leader change, a proxy)
        is news, but one that keeps closing must not flood the log: one line a minute."""
        if ended.stalled:
            self._logger.warning(
                "%s: the event stream %s; reconnecting and reconciling" % (self, ended.reason)
            )
            return
        now = time.monotonic()
        if self._end_logged_at is not None and now - self._end_logged_at < END_LOG_EVERY:
            self._ends_unlogged += 1
            return
        more = (
            " (and %d more times since the last such line)" % self._ends_unlogged
            if self._ends_unlogged
            else ""
        )
        self._logger.info(
            "%s: the event stream ended (%s)%s; reconnecting and reconciling"
            % (self, ended.reason, more)
        )
        self._end_logged_at, self._ends_unlogged = now, 0

    # -- helpers --------------------------------------------------------------------------------

    def _client(self, url, timeout=None):
        return MarathonClient(
            self.name,
            url,
            self.cluster.marathon_auth,
            self.cluster.marathon_ca_file,
            timeout or self.settings["request_timeout"],
        )

    def _load_view(self):
        try:
            text = self._store.get_value(self._state_key)
        except Exception as error:  # StackStorm's datastore may be down: start afresh
            text, reason = None, error
        else:
            reason = None
        if text:
            try:
                return ClusterView.from_json(text)
            except (ValueError, TypeError, KeyError) as error:
                reason = error
        if reason is not None:
            self._logger.warning(
                "cluster %s: the Marathon event sensor's saved view is unusable "
                "(%s); starting afresh, so what changed while it was not "
                "running is not reported this once" % (self.name, reason)
            )
        return None

    def _save(self, force=False):
        view = self.view
        if view is None or not view.changed:
            return
        now = time.monotonic()
        if not force and now - self._saved_at < SAVE_EVERY:
            return
        self._saved_at = now
        view.changed = False
        try:
            self._store.set_value(self._state_key, view.to_json())
        except Exception as error:
            self._problems.failed(
                self.name + ":datastore",
                "cluster %s: the Marathon event sensor "
                "could not save its view (%s); after a restart it would not "
                "report what changed meanwhile" % (self.name, error),
            )
