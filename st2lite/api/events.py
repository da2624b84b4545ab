"""Execution changes as StackStorm's stream events, for the SSE clients connected now.

`ExecutionEvents` wraps the runtime's execution store: every create and update of an
execution run by this process (API, rules, sensors) becomes `st2.execution__create|update`.
Events are shaped only when a subscriber wants them. Executions run by another st2lite process
(a `st2lite run` in a terminal) are not seen here. It also wraps the output store: output
stored by this process wakes the streams that want `st2.execution.output__create`, which read
it from the store (api.output_feed).
"""

import fnmatch
import itertools
import queue
import threading

from st2lite.api import shapes
from st2lite.api.output_feed import OUTPUT_EVENT
from st2lite.store.execution_output import OutputStore
from st2lite.store.execution_search import children_ids
from st2lite.store.executions import ExecutionStore

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


class NotifyingOutputStore(OutputStore):
    """The output store, telling `on_added(chunks)` what it stored."""

    def __init__(self, db, on_added):
        OutputStore.__init__(self, db)
        self._on_added = on_added

    def add(self, chunks):
        OutputStore.add(self, chunks)
        self._on_added(chunks)


class ExecutionEvents(object):
    def __init__(self, runtime, bus):
        self.runtime = runtime
        self.bus = bus

    def install(self):
        """From now on the runtime's executions are published."""
        self.runtime.executions = NotifyingExecutionStore(self.runtime.db, self.changed)
        self.runtime.output = NotifyingOutputStore(self.runtime.db, self.output_added)

    def shaped(self, execution_id):
        execution = self.runtime.executions.get(execution_id, with_children=False)
        children = children_ids(self.runtime.db, [execution["id"]])[execution["id"]]
        instances = self.runtime.triggers.instances_by_id(shapes.trigger_instance_ids([execution]))
        return shapes.execution_api(execution, self.runtime.content, children, instances)

    def changed(self, kind, execution_id, fields):
        cache = {}

        def data():
            if "shaped" not in cache:
                cache["shaped"] = self.shaped(execution_id)
            return cache["shaped"]

        self.bus.publish("st2.execution__%s" % kind, data)

    def output_added(self, chunks):
        """One wake-up per execution that has new output, with what the streams filter on."""
        origins = dict((chunk["execution_id"], chunk["action_ref"]) for chunk in chunks)
        for execution_id, action_ref in origins.items():
            self.bus.publish(
                OUTPUT_EVENT,
                lambda e=execution_id, a=action_ref: {"execution_id": e, "action_ref": a},
            )
