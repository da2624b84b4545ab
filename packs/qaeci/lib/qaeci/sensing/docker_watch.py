"""One Docker daemon followed for as long as the sensor runs: GET /events (container oom, die and
health_status only), each event translated and dispatched; when the stream ends or the daemon is
unreachable, reconnect with jittered back-off and resume with `since` = the newest event seen.

The daemon replays its buffered events from `since` inclusive (daemon/events/events.go keeps the
last 256 and sends those with timeNano >= since), so the newest events seen before the cut come
again: until the replay passes the resume point, a line already among the recent ones is skipped.
"""

import collections
import json
import re
import threading
import time

from qaeci.sensing.backoff import Backoff
from qaeci.sensing.containers import IdentityCache, identity_from_attributes
from qaeci.sensing.docker_api import DockerAddress, DockerApi, DockerApiError, StreamEnded
from qaeci.sensing.docker_events import SUBSCRIBED, DockerEventTranslator, Malformed, event_fields

REPLAY_MEMORY = 512  # recent lines remembered to skip a replay (the daemon buffers 256 events)
SAVE_EVERY = 1.0  # seconds between saves of the resume point
IDLE_PING = 30.0  # seconds without a byte before asking /_ping whether the daemon lives


class RecentLines(object):
    """The last N lines seen, for skipping the ones a reconnect replays."""

    def __init__(self, size):
        self._order = collections.deque()
        self._members = set()
        self._size = size

    def __len__(self):
        return len(self._order)

    def __contains__(self, line):
        return line in self._members

    def add(self, line):
        self._order.append(line)
        self._members.add(line)
        if len(self._order) > self._size:
            self._members.discard(self._order.popleft())


class DockerHostWatch(object):
    def __init__(self, cluster_name, address, settings, dispatch, store, problems, malformed):
        self.cluster = cluster_name
        self.address = DockerAddress(address)
        self.api = DockerApi(self.address, timeout=settings["request_timeout"])
        self.ingested = 0
        self._settings = settings
        self._dispatch = dispatch
        self._store = store
        self._problems = problems
        self._malformed = malformed
        self._identities = IdentityCache(self.api.inspect)
        self._translator = DockerEventTranslator(cluster_name, self._identify, self._oom_killed)
        self._backoff = Backoff(settings["retry_first"], settings["retry_max"])
        self._recent = RecentLines(REPLAY_MEMORY)
        self._state_key = "docker_since.%s.%s" % (cluster_name, re.sub(r"[^\w.-]", "_", address))
        self._newest_nano = store.load(self._state_key, None)
        self._replaying_to = None  # after a reconnect: the resume point the replay runs up to
        self._saved_at = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._stream = None
        self.connected = threading.Event()  # set while a stream is open

    def __str__(self):
        return "cluster %s: Docker daemon %s" % (self.cluster, self.address)

    # Life cycle

    def run(self):
        """Follows the daemon until stop(); never raises."""
        while not self._stop.is_set():
            try:
                self._follow()
            except DockerApiError as error:
                self._problems.failed(
                    str(self.address),
                    "cluster %s: %s; fix: check clusters.%s."
                    "docker_hosts and that the daemon runs there"
                    % (self.cluster, error, self.cluster),
                )
            except StreamEnded as error:
                if not self._stop.is_set():
                    self._problems.failed(
                        str(self.address),
                        "%s: the /events stream ended (%s); reconnecting" % (self, error),
                    )
            except Exception as error:  # a bug must not end the watch: name it and go on
                self._problems.failed(
                    str(self.address),
                    "%s: unexpected %s: %s; reconnecting" % (self, type(error).__name__, error),
                )
            finally:
                self.connected.clear()
                self._save_resume_point(force=True)
            if self._stop.wait(self._backoff.next_delay()):
                break

    def stop(self):
        self._stop.set()
        with self._lock:
            stream = self._stream
        if stream is not None:
            stream.close()

    def _follow(self):
        stream = self.api.events(since=self._since(), filters=SUBSCRIBED, idle_timeout=IDLE_PING)
        self._replaying_to = self._newest_nano
        with self._lock:
            self._stream = stream
        try:
            if self._stop.is_set():
                return
            self._problems.succeeded(str(self.address), str(self))
            self._backoff.reset()
            self.connected.set()
            for line in stream.lines():
                self._handle(line)
        finally:
            with self._lock:
                self._stream = None
            stream.close()

    # Events

    def _handle(self, line):
        if not line.strip():
            return
        self.ingested += 1
        try:
            event = json.loads(line)
        except ValueError:
            self._malformed.skip(str(self), "not JSON", "%.120r" % line)
            return
        try:
            if self._is_replayed(event, line):
                return
            time_nano, translations = self._translator.translate(event)
        except Malformed as problem:
            self._malformed.skip(str(self), problem.kind, str(problem))
            return
        self._recent.add(line)
        for translation in translations:
            self._dispatch(translation.trigger, translation.payload)
        if self._newest_nano is None or time_nano > self._newest_nano:
            self._newest_nano = time_nano
            self._save_resume_point()

    def _is_replayed(self, event, line):
        if self._replaying_to is None:
            return False
        time_nano = event_fields(event)[3]
        if time_nano > self._replaying_to:
            self._replaying_to = None  # past the resume point: live events from here on
            return False
        return line in self._recent

    def _identify(self, container_id, attributes):
        try:
            return self._identities.lookup(container_id, attributes, self.address.host)
        except (DockerApiError, ValueError):
            return identity_from_attributes(attributes, self.address.host)

    def _oom_killed(self, container_id):
        try:
            document = self.api.inspect(container_id)
        except (DockerApiError, ValueError):
            return False
        return bool(((document or {}).get("State") or {}).get("OOMKilled"))

    # Resume point

    def _since(self):
        """Where to resume: the newest event seen (its replay is skipped as a line seen), or
        just after the saved resume point when this watch has seen nothing yet (a restarted
        sensor: the events of the last second before its stop may come again)."""
        if self._newest_nano is None:
            return None
        nano = int(self._newest_nano) + (0 if len(self._recent) else 1)
        return "%d.%09d" % divmod(nano, 1000000000)

    def _save_resume_point(self, force=False):
        now = time.monotonic()
        if self._newest_nano is None or (not force and now - self._saved_at < SAVE_EVERY):
            return
        self._saved_at = now
        self._store.save(self._state_key, self._newest_nano)
