"""The mock services of st2tests behave as StackStorm's: key naming, listing, dispatch records,
loggers, and actions written before action_service existed."""

import unittest

import pytest
from st2tests.base import BaseActionTestCase, BaseSensorTestCase
from st2tests.mocks.action import MockActionService, MockActionWrapper
from st2tests.mocks.datastore import MockDatastoreService
from st2tests.mocks.sensor import MockSensorService, MockSensorWrapper, TraceContext


@pytest.fixture
def datastore():
    from unittest.mock import Mock

    return MockDatastoreService(logger=Mock(), pack_name="tests", class_name="MyAction")


def test_local_keys_live_under_pack_and_class(datastore):
    datastore.set_value("a", "1")
    datastore.set_value("shared", "2", local=False)
    assert sorted(pair.name for pair in datastore.list_values(local=False)) == [
        "shared",
        "tests.MyAction:a",
    ]
    assert [pair.name for pair in datastore.list_values()] == ["tests.MyAction:a"]
    assert datastore.get_value("a") == "1"
    assert datastore.get_value("tests.MyAction:a", local=False) == "1"
    assert datastore.get_value("shared") is None
    assert datastore.get_value("shared", local=False) == "2"


def test_listing_by_prefix(datastore):
    for name in ("env:qa1", "env:qa2", "other"):
        datastore.set_value(name, name.upper())
    assert [
        p.value for p in sorted(datastore.list_values(prefix="env:"), key=lambda p: p.name)
    ] == ["ENV:QA1", "ENV:QA2"]


def test_values_are_kept_as_given_and_delete_reports_whether_a_key_existed(datastore):
    datastore.set_value("n", 3)
    assert datastore.get_value("n") == 3
    assert datastore.delete_value("n") is True
    assert datastore.delete_value("n") is False
    assert datastore.get_value("n") is None


def test_a_ttl_is_recorded_with_a_warning_not_applied(datastore):
    datastore.set_value("t", "v", ttl=1)
    assert datastore.list_values()[0].ttl == 1
    datastore._logger.warning.assert_called_once()
    assert datastore.get_value("t") == "v"


def test_action_service_exposes_the_datastore_and_user():
    service = MockActionService(MockActionWrapper(pack="tests", class_name="A"))
    service.set_value("k", "v")
    assert service.datastore_service.get_value("k") == "v"
    assert service.get_user_info()["username"] == "admin"


def test_sensor_service_records_dispatches_with_their_trace_context():
    service = MockSensorService(MockSensorWrapper(pack="tests", class_name="S"))
    service.dispatch("p.t", {"x": 1})
    service.dispatch("p.t", {"x": 2}, trace_tag="tag-2")
    first, second = service.dispatched_triggers
    assert first == {"trigger": "p.t", "payload": {"x": 1}, "trace_context": None}
    assert isinstance(second["trace_context"], TraceContext)
    assert second["trace_context"].trace_tag == "tag-2"
    assert service.get_logger("a") is service.get_logger("b")
    assert service.get_user_info()["username"] == "sensor_service"


class _OldStyleAction(object):
    """An action whose constructor predates action_service."""

    def __init__(self, config=None):
        self.config = config


def run_case(case_cls, method):
    result = unittest.TestResult()
    case_cls(method).run(result)
    return result


def test_an_old_style_action_gets_its_action_service_assigned():
    seen = {}

    class Case(BaseActionTestCase):
        action_cls = _OldStyleAction

        def test_it(self):
            action = self.get_action_instance(config={"a": 1})
            seen["service"], seen["config"] = action.action_service, action.config
            seen["expected"] = self.action_service

    result = run_case(Case, "test_it")
    assert result.wasSuccessful(), result.errors + result.failures
    assert seen["service"] is seen["expected"] and seen["config"] == {"a": 1}


def test_trigger_assertion_matches_trigger_payload_and_trace_context():
    class Sensor(object):
        def __init__(self, sensor_service, config=None, poll_interval=None):
            self.sensor_service, self.config, self.poll_interval = (
                sensor_service,
                config,
                poll_interval,
            )

    class Case(BaseSensorTestCase):
        sensor_cls = Sensor

        def test_it(self):
            sensor = self.get_sensor_instance()
            self.assertIsNone(sensor.config)
            self.assertIsNone(sensor.poll_interval)
            context = TraceContext(trace_tag="x")
            self.sensor_service.dispatch_with_context("p.t", {"a": 1}, trace_context=context)
            self.assertTriggerDispatched("p.t", payload={"a": 1}, trace_context=context)
            with self.assertRaises(AssertionError):
                self.assertTriggerDispatched("p.t", trace_context=TraceContext(trace_tag="x"))
            with self.assertRaises(AssertionError):
                self.assertTriggerDispatched("p.t", payload={"a": 2})

    result = run_case(Case, "test_it")
    assert result.wasSuccessful(), result.errors + result.failures
