"""Each st2lite process watches the executions it runs for a cancel or pause asked by any
process (the API, `st2lite execution cancel` in another terminal): the request only records
the wanted status in the store, and this watch sees it within POLL_SECONDS.

On `canceling` it kills the process groups the execution's runner registered
(runners/process_tracking) and sets its cancel event (for runners that wait without a
process: http-request); on `canceling` or `pausing` it calls the execution's listeners (a
workflow's driver). The poll reads only the executions this process runs, by id, and only
while there are any."""

import contextlib
import threading

from st2lite.runners import process_tracking

POLL_SECONDS = 0.2
WATCHED_STATUSES = ("canceling", "pausing")


class ControlWatch(object):
    def __init__(self, executions_db):
        self.db = executions_db
        self._lock = threading.Condition()
        self._owned = {}  # execution id -> how many runs of it this process has going
        self._groups = {}  # execution id -> process group ids
        self._listeners = {}  # execution id -> callbacks(status)
        self._events = {}  # execution id -> threading.Event set once it is canceling
        self._seen = {}  # execution id -> the watched status acted upon last
        self._thread = None

    # --- what the runtime and runners register ---------------------------------------------

    @contextlib.contextmanager
    def watching(self, execution_id):
        """While the execution runs on this thread: its child processes and requests."""
        with self._lock:
            self._owned[execution_id] = self._owned.get(execution_id, 0) + 1
            self._start_thread()
            self._lock.notify_all()
        try:
            with process_tracking.running_as(self, execution_id):
                yield
        finally:
            with self._lock:
                self._owned[execution_id] -= 1
                if not self._owned[execution_id]:
                    for table in (self._owned, self._groups, self._events, self._seen):
                        table.pop(execution_id, None)

    @contextlib.contextmanager
    def listening(self, execution_id, callback):
        """callback(status) on each cancel or pause asked of the execution meanwhile."""
        with self._lock:
            self._listeners.setdefault(execution_id, []).append(callback)
        try:
            yield
        finally:
            with self._lock:
                self._listeners[execution_id].remove(callback)
                if not self._listeners[execution_id]:
                    del self._listeners[execution_id]

    def cancel_event(self, execution_id):
        with self._lock:
            return self._events.setdefault(execution_id, threading.Event())

    def add_group(self, execution_id, group):
        """GROUP (runners/process_tracking) has kill()."""
        with self._lock:
            self._groups.setdefault(execution_id, []).append(group)
            canceled = self._seen.get(execution_id) == "canceling"
        if canceled:  # started just as the cancel was seen
            group.kill()

    def remove_group(self, execution_id, group):
        with self._lock:
            groups = self._groups.get(execution_id, [])
            if group in groups:
                groups.remove(group)

    def rearm(self, execution_id):
        """The execution's driver shows it running again after a pause it had acted on: a new
        pause request counts even if no poll saw `running` in between (call after writing)."""
        with self._lock:
            if self._seen.get(execution_id) == "pausing":
                del self._seen[execution_id]

    def look_now(self, execution_id):
        """Act at once on a cancel or pause recorded for EXECUTION_ID, without waiting for the
        next poll: a workflow's driver calls it before it starts the next tasks, so that none
        starts after a request was answered `canceling` or `pausing`."""
        for found_id, status in self._requested([execution_id]):
            self._act(found_id, status)

    # --- the watch -----------------------------------------------------------------------

    def _start_thread(self):
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="st2lite-control-watch", daemon=True
            )
            self._thread.start()

    def _run(self):
        while True:
            with self._lock:
                while not self._owned:
                    self._lock.wait()
                ids = list(self._owned)
            requested = dict(self._requested(ids))
            with self._lock:
                for execution_id in set(ids) - set(requested):
                    self._seen.pop(execution_id, None)  # running again: a new request counts
            for execution_id, status in requested.items():
                self._act(execution_id, status)
            with self._lock:
                self._lock.wait(POLL_SECONDS)

    def _requested(self, ids):
        try:
            rows = self.db.query(
                "SELECT id, status FROM executions WHERE id IN (%s) AND status IN (%s)"
                % (",".join("?" * len(ids)), ",".join("?" * len(WATCHED_STATUSES))),
                ids + list(WATCHED_STATUSES),
            )
        except Exception:  # a busy or closing database: look again at the next poll
            return []
        return [(row["id"], row["status"]) for row in rows]

    def _act(self, execution_id, status):
        with self._lock:
            if self._seen.get(execution_id) == status or execution_id not in self._owned:
                return
            self._seen[execution_id] = status
            groups = list(self._groups.get(execution_id, ()))
            listeners = list(self._listeners.get(execution_id, ()))
            event = self._events.setdefault(execution_id, threading.Event())
        if status == "canceling":
            event.set()
            for group in groups:
                group.kill()
        for callback in listeners:
            callback(status)
