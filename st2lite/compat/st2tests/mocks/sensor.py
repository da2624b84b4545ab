"""MockSensorService: `self.sensor_service` of a sensor under test. Dispatched triggers are
recorded in `dispatched_triggers` (dicts of trigger, payload, trace_context) instead of being
sent; the datastore is an in-memory MockDatastoreService; get_logger answers a Mock logger a
test can assert calls on."""

from logging import RootLogger
from unittest.mock import Mock

from st2tests.mocks.datastore import MockDatastoreService

from st2lite.store.datastore import SYSTEM_SCOPE

__all__ = ["MockSensorWrapper", "MockSensorService", "TraceContext"]


class TraceContext(object):
    """What `dispatch(..., trace_tag=...)` records as the trace context, as StackStorm's
    st2common.models.api.trace.TraceContext (compared by identity, as there)."""

    def __init__(self, id_=None, trace_tag=None):
        self.id_ = id_
        self.trace_tag = trace_tag

    def __str__(self):
        return "{id_: %s, trace_tag: %s}" % (self.id_, self.trace_tag)


class MockSensorWrapper(object):
    def __init__(self, pack, class_name):
        self._pack = pack
        self._class_name = class_name


class MockSensorService(object):
    def __init__(self, sensor_wrapper):
        self._sensor_wrapper = sensor_wrapper
        self._logger = Mock(spec=RootLogger)
        self.dispatched_triggers = []
        self._datastore_service = MockDatastoreService(
            logger=self._logger,
            pack_name=sensor_wrapper._pack,
            class_name=sensor_wrapper._class_name,
            api_username="sensor_service",
        )

    @property
    def datastore_service(self):
        return self._datastore_service

    def get_logger(self, name):
        return self._logger

    def dispatch(self, trigger, payload=None, trace_tag=None):
        trace_context = TraceContext(trace_tag=trace_tag) if trace_tag else None
        return self.dispatch_with_context(trigger, payload=payload, trace_context=trace_context)

    def dispatch_with_context(self, trigger, payload=None, trace_context=None):
        item = {"trigger": trigger, "payload": payload, "trace_context": trace_context}
        self.dispatched_triggers.append(item)
        return item

    def get_user_info(self):
        return self._datastore_service.get_user_info()

    def list_values(self, local=True, prefix=None):
        return self._datastore_service.list_values(local=local, prefix=prefix)

    def get_value(self, name, local=True, scope=SYSTEM_SCOPE, decrypt=False):
        return self._datastore_service.get_value(name, local=local, scope=scope, decrypt=decrypt)

    def set_value(self, name, value, ttl=None, local=True, scope=SYSTEM_SCOPE, encrypt=False):
        return self._datastore_service.set_value(
            name, value, ttl=ttl, local=local, scope=scope, encrypt=encrypt
        )

    def delete_value(self, name, local=True, scope=SYSTEM_SCOPE):
        return self._datastore_service.delete_value(name, local=local, scope=scope)
