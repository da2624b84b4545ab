"""Execution changes as StackStorm's stream events, for the SSE clients connected now.

`ExecutionEvents` wraps the runtime's execution store: every create and update of an
execution run by this process (API, rules, sensors) becomes `st2.execution__create|update`,
and the output of one that ends becomes `st2.execution.output__create` just before its last
update. Events are shaped only when a subscriber wants them. Executions run by another
st2lite process (a `st2lite run` in a terminal) are not seen here.
"""

import fnmatch
import itertools
import queue
import threading

from st2lite.api import shapes
from st2lite.store.execution_search import children_ids
from st2lite.store.executions import FINAL_STATES, ExecutionStore
from st2lite.store.ids import utc_now_iso

SUBSCRIBER_QUEUE = 10000  # a client this far behind is dropped rather than held in memory


class Subscription(object):
    def __init__(self, patterns, accept):
        self.patterns = patterns
        self.accept = accept  # accept(name, data) -> bool: the client's other filters
        self.queue = queue.Queue(SUBSCRIBER_QUEUE)
        self.overflowed = False

    def wants_name(self, name):
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.patterns)


class EventBus(object):
    def __init__(self):
        self._lock = threading.Lock()
        self._subscriptions = []
        self._ids = itertools.count(1)

    def subscribe(self, patterns, accept=lambda name, data: True):
        subscription = Subscription(patterns, accept)
        with self._lock:
            self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription):
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    def wanted(self, name):
        with self._lock:
            return [s for s in self._subscriptions if s.wants_name(name)]

    def publish(self, name, make_data):
        """Deliver one event; make_data() builds its data only when someone wants it."""
        subscriptions = self.wanted(name)
        if not subscriptions:
            return
        data = make_data()
        event_id = next(self._ids)
        for subscription in subscriptions:
            if not subscription.accept(name, data):
                continue
            try:
                subscription.queue.put_nowait((event_id, name, data))
            except queue.Full:
                subscription.overflowed = True


class NotifyingExecutionStore(ExecutionStore):
    """The execution store, telling `on_change(kind, execution_id, fields)` what it wrote."""

    def __init__(self, db, on_change):
        ExecutionStore.__init__(self, db)
        self._on_change = on_change

    def create(self, *args, **kwargs):
        execution_id = ExecutionStore.create(self, *args, **kwargs)
        self._on_change("create", execution_id, {})
        return execution_id

    def update(self, execution_id, **fields):
        ExecutionStore.update(self, execution_id, **fields)
        self._on_change("update", execution_id, fields)


class ExecutionEvents(object):
    def __init__(self, runtime, bus):
        self.runtime = runtime
        self.bus = bus

    def install(self):
        """From now on the runtime's executions are published."""
        self.runtime.executions = NotifyingExecutionStore(self.runtime.db, self.changed)

    def shaped(self, execution_id):
        execution = self.runtime.executions.get(execution_id, with_children=False)
        children = children_ids(self.runtime.db, [execution["id"]])[execution["id"]]
        return shapes.execution_api(execution, self.runtime.content, children)

    def changed(self, kind, execution_id, fields):
        cache = {}

        def data():
            if "shaped" not in cache:
                cache["shaped"] = self.shaped(execution_id)
            return cache["shaped"]

        if kind == "update" and fields.get("status") in FINAL_STATES:
            self._publish_output(execution_id, data)
        self.bus.publish("st2.execution__%s" % kind, data)

    def _publish_output(self, execution_id, execution_data):
        if not self.bus.wanted("st2.execution.output__create"):
            return
        record = self.runtime.executions.get(execution_id, with_children=False)
        for output_type, text in shapes.output_chunks(record):
            self.bus.publish(
                "st2.execution.output__create",
                lambda t=output_type, d=text: {
                    "id": execution_id + "-" + t,
                    "execution_id": execution_id,
                    "action_ref": record["action"],
                    "runner_ref": record["runner"],
                    "timestamp": utc_now_iso(),
                    "output_type": t,
                    "data": d,
                    "delay": None,
                },
            )
