from counter_sensor import CounterSensor
from st2tests.base import BaseSensorTestCase


class CounterSensorTestCase(BaseSensorTestCase):
    sensor_cls = CounterSensor

    def test_dispatches_the_running_count(self):
        sensor = self.get_sensor_instance(config={"step_tag": "t"}, poll_interval=5)
        self.assertEqual(sensor.get_poll_interval(), 5)
        sensor.setup()
        sensor.poll()
        sensor.poll()
        self.assertEqual(len(self.get_dispatched_triggers()), 2)
        self.assertTriggerDispatched("compat_demo.counted", payload={"count": 2})
        self.assertTriggerDispatched("compat_demo.counted")
        last = self.get_last_dispatched_trigger()
        self.assertEqual(last["payload"], {"count": 2})
        self.assertEqual(last["trace_context"].trace_tag, "t-2")
        self.assertEqual(self.sensor_service.get_value("count"), "2")

    def test_logger_is_a_mock_the_test_can_inspect(self):
        sensor = self.get_sensor_instance()
        sensor.setup()
        sensor.poll()
        self.sensor_service.get_logger("x").info.assert_called_with("counted %s", 1)

    def test_an_undispatched_trigger_fails_the_assertion(self):
        with self.assertRaises(AssertionError):
            self.assertTriggerDispatched("compat_demo.counted")
