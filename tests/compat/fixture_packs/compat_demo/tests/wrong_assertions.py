"""Deliberately wrong assertions: each test here must FAIL (run explicitly by tests/compat)."""

from counter_sensor import CounterSensor
from greet import GreetAction
from st2tests.base import BaseActionAliasTestCase, BaseActionTestCase, BaseSensorTestCase


class WrongActionTestCase(BaseActionTestCase):
    action_cls = GreetAction

    def test_wrong_message(self):
        action = self.get_action_instance(config={"greeting": "Hello"})
        self.assertEqual(action.run(name="bob")["message"], "Goodbye bob")


class WrongSensorTestCase(BaseSensorTestCase):
    sensor_cls = CounterSensor

    def test_wrong_payload(self):
        sensor = self.get_sensor_instance()
        sensor.setup()
        sensor.poll()
        self.assertTriggerDispatched("compat_demo.counted", payload={"count": 99})

    def test_wrong_trigger(self):
        sensor = self.get_sensor_instance()
        sensor.setup()
        sensor.poll()
        self.assertTriggerDispatched("compat_demo.not_counted")


class WrongAliasTestCase(BaseActionAliasTestCase):
    action_alias_name = "greet"

    def test_wrong_parameters(self):
        self.assertExtractedParametersMatch("greet {{ name }}", "greet bob", {"name": "alice"})

    def test_command_matching_two_formats(self):
        self.assertCommandMatchesExactlyOneFormatString(
            ["hi {{ name }}", "hi {{ name }} {{ mood=fine }}"], "hi bob"
        )

    def test_command_matching_no_format(self):
        self.assertCommandMatchesExactlyOneFormatString(["greet {{ name }}"], "wave at bob")

    def test_command_not_matching_the_format(self):
        self.assertExtractedParametersMatch("greet {{ name }}", "wave at bob", {"name": "bob"})
