"""BaseSensorTestCase: tests of a sensor class (`sensor_cls`) and the triggers it dispatches."""

from st2tests.errors import PackTestSetupError
from st2tests.mocks.sensor import MockSensorService, MockSensorWrapper
from st2tests.pack_resource import BasePackResourceTestCase

__all__ = ["BaseSensorTestCase"]

MOCK_PACK_NAME = "tests"


class BaseSensorTestCase(BasePackResourceTestCase):
    sensor_cls = None

    def setUp(self):
        super(BaseSensorTestCase, self).setUp()
        if self.sensor_cls is None:
            raise PackTestSetupError(
                "%s has no sensor_cls: set sensor_cls = <your Sensor "
                "subclass> on the test case" % type(self).__name__
            )
        wrapper = MockSensorWrapper(pack=MOCK_PACK_NAME, class_name=self.sensor_cls.__name__)
        self.sensor_service = MockSensorService(sensor_wrapper=wrapper)

    def get_sensor_instance(self, config=None, poll_interval=None):
        """An instance of sensor_cls with this test's sensor_service; config and poll_interval
        are passed only when given, so the class's own defaults apply otherwise."""
        kwargs = {"sensor_service": self.sensor_service}
        if config:
            kwargs["config"] = config
        if poll_interval is not None:
            kwargs["poll_interval"] = poll_interval
        return self.sensor_cls(**kwargs)

    def get_dispatched_triggers(self):
        return self.sensor_service.dispatched_triggers

    def get_last_dispatched_trigger(self):
        return self.sensor_service.dispatched_triggers[-1]

    def assertTriggerDispatched(self, trigger, payload=None, trace_context=None):
        """Passes when a dispatched trigger has this ref and, when given (and not empty), this
        payload and trace context."""
        for item in self.get_dispatched_triggers():
            if (
                item["trigger"] == trigger
                and (not payload or item["payload"] == payload)
                and (not trace_context or item["trace_context"] == trace_context)
            ):
                return True
        raise AssertionError(
            'Trigger "%s" hasn\'t been dispatched%s'
            % (trigger, _dispatched_summary(self.get_dispatched_triggers()))
        )


def _dispatched_summary(dispatched):
    if not dispatched:
        return " (no trigger was dispatched)"
    return " (dispatched: %s)" % ", ".join(
        "%s %r" % (item["trigger"], item["payload"]) for item in dispatched
    )
