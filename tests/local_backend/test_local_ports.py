"""Port allocation: stable per ENV.APP, never handed out twice, skips ports in use."""

import socket

from qaeci.backends.local_ports import PortRegistry, port_is_free


def test_ports_are_stable_distinct_and_persisted(tmp_path):
    ports = PortRegistry(str(tmp_path), port_range=(24000, 24099))
    web = ports.allocate("qa1", "web")
    api = ports.allocate("qa1", "api")
    other = ports.allocate("qa2", "web")
    assert len({web, api, other}) == 3
    assert ports.allocate("qa1", "web") == web
    again = PortRegistry(str(tmp_path), port_range=(24000, 24099))
    assert again.allocate("qa1", "api") == api
    assert again.environments() == ["qa1", "qa2"]


def _busy_port_before_a_free_one(attempts=50):
    """A bound socket whose port + 1 is free (other tests take ephemeral ports meanwhile)."""
    for _ in range(attempts):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        if port < 65535 and port_is_free(port + 1):
            return busy, port
        busy.close()
    raise AssertionError("no free port next to a bound one in %d attempts" % attempts)


def test_a_port_in_use_by_another_process_is_skipped(tmp_path):
    busy, port = _busy_port_before_a_free_one()
    try:
        ports = PortRegistry(str(tmp_path), port_range=(port, port + 1))
        assert ports.allocate("qa1", "web") == port + 1
    finally:
        busy.close()


def test_released_ports_are_forgotten_and_exhaustion_is_explained(tmp_path):
    import pytest
    from qaeci.backends.local_ports import PortExhaustedError

    ports = PortRegistry(str(tmp_path), port_range=(24100, 24101))
    ports.allocate("qa1", "web")
    ports.allocate("qa1", "api")
    with pytest.raises(PortExhaustedError, match="no free port left in 24100-24101"):
        ports.allocate("qa2", "web")
    ports.release("qa1", ["api"])
    assert ports.lookup("qa1", "api") is None
    assert ports.allocate("qa2", "web") in (24100, 24101)
    ports.release("qa1")
    assert ports.environments() == ["qa2"]
