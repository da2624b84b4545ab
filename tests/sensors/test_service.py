"""SensorService: StackStorm's public methods, keys local to PACK.ClassName."""

import logging

import pytest
from memory_datastore import MemoryDatastore

from st2lite.sensors import SensorService


@pytest.fixture
def parts():
    datastore, dispatched = MemoryDatastore(), []
    service = SensorService(
        "mypack",
        "WatchSensor",
        datastore,
        lambda ref, payload: dispatched.append((ref, payload)),
        logging.getLogger("test.sensor"),
    )
    return service, datastore, dispatched


def test_local_keys_are_prefixed_with_pack_and_class(parts):
    service, datastore, _ = parts
    assert service.set_value("last_id", 42) is True
    assert datastore.items["mypack.WatchSensor:last_id"].value == "42"  # stored as text
    assert service.get_value("last_id") == "42"
    assert service.get_value("last_id", local=False) is None
    assert service.get_value("mypack.WatchSensor:last_id", local=False) == "42"


def test_global_keys_ttl_and_encryption(parts):
    service, datastore, _ = parts
    service.set_value("token", "s3cret", ttl=30, local=False, encrypt=True)
    assert datastore.ttls["token"] == 30
    assert service.get_value("token", local=False) == "encrypted:s3cret"
    assert service.get_value("token", local=False, decrypt=True) == "s3cret"


def test_list_values_local_and_prefixed(parts):
    service, _, _ = parts
    service.set_value("a1", "x")
    service.set_value("b1", "y")
    service.set_value("a_global", "z", local=False)
    assert [i.name for i in service.list_values()] == [
        "mypack.WatchSensor:a1",
        "mypack.WatchSensor:b1",
    ]
    assert [i.name for i in service.list_values(prefix="a")] == ["mypack.WatchSensor:a1"]
    assert [i.name for i in service.list_values(local=False, prefix="a")] == ["a_global"]


def test_delete_value_answers_false_for_missing_key(parts):
    service, datastore, _ = parts
    service.set_value("k", "v")
    assert service.delete_value("k") is True
    assert "mypack.WatchSensor:k" not in datastore.items
    assert service.delete_value("k") is False


def test_only_system_scope(parts):
    service, _, _ = parts
    for call in (
        lambda: service.get_value("k", scope="user"),
        lambda: service.set_value("k", "v", scope="user"),
        lambda: service.delete_value("k", scope="user"),
    ):
        with pytest.raises(ValueError, match="Scope user is unsupported."):
            call()


def test_dispatch(parts):
    service, _, dispatched = parts
    service.dispatch("mypack.event", {"a": 1}, trace_tag="t1")
    service.dispatch("mypack.event")
    service.dispatch_with_context(
        "mypack.other", payload={"b": 2}, trace_context={"trace_tag": "x"}
    )
    assert dispatched == [
        ("mypack.event", {"a": 1}),
        ("mypack.event", {}),
        ("mypack.other", {"b": 2}),
    ]
    with pytest.raises(ValueError, match="payload for mypack.event must be a dict"):
        service.dispatch("mypack.event", ["not", "a", "dict"])


def test_get_logger_is_a_child_of_the_sensor_logger(parts):
    service, _, _ = parts
    assert service.get_logger("poller").name == "test.sensor.poller"


def test_trace_tag_reaches_a_dispatch_that_takes_it():
    calls = []

    def dispatch(ref, payload, trace_tag=None):
        calls.append((ref, payload, trace_tag))

    service = SensorService("p", "S", MemoryDatastore(), dispatch, logging.getLogger("t"))
    service.dispatch("p.e", {"a": 1}, trace_tag="build-7")
    service.dispatch_with_context("p.e", {"a": 2}, trace_context={"trace_tag": "build-8"})
    service.dispatch("p.e", {"a": 3})
    assert calls == [
        ("p.e", {"a": 1}, "build-7"),
        ("p.e", {"a": 2}, "build-8"),
        ("p.e", {"a": 3}, None),
    ]


def test_a_failing_dispatch_is_logged_not_raised_into_the_sensor(caplog):
    def dispatch(ref, payload):
        raise RuntimeError("unknown trigger type %r" % ref)

    service = SensorService("p", "S", MemoryDatastore(), dispatch, logging.getLogger("t"))
    with caplog.at_level(logging.ERROR):
        assert service.dispatch("p.nope", {"a": 1}) is None
    assert "Dispatching trigger p.nope failed: unknown trigger type 'p.nope'" in caplog.text
