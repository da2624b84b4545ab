"""The Mesos master double takes the recorded maintenance requests with the master's rules, and
the pack's client drives it in the order scale in needs."""

import json
import urllib.error
import urllib.request

import pytest
from qaeci.mesos_maintenance import MesosError, MesosMaster, machine_id

from tests.doubles.mesos import MesosMasterDouble
from tests.doubles.payloads import load_json


def post(mesos, path, document):
    request = urllib.request.Request(
        mesos.url + path, data=json.dumps(document).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


@pytest.fixture
def mesos():
    with MesosMasterDouble() as double:
        yield double


def test_the_recorded_schedule_then_machine_down_takes_the_agent_away(mesos):
    host = load_json("mesos", "machine_down_post.json")[0]["hostname"]
    mesos.register_agent(host)
    assert (
        post(
            mesos,
            "/master/maintenance/schedule",
            load_json("mesos", "maintenance_schedule_post.json"),
        )
        == 200
    )
    assert post(mesos, "/master/machine/down", load_json("mesos", "machine_down_post.json")) == 200
    assert host not in [agent["hostname"] for agent in mesos.agents]
    assert post(mesos, "/master/machine/up", load_json("mesos", "machine_up_post.json")) == 200
    assert mesos.down_machines == []


def test_a_machine_not_scheduled_cannot_go_down(mesos):
    with pytest.raises(urllib.error.HTTPError) as refused:
        post(mesos, "/master/machine/down", load_json("mesos", "machine_down_post.json"))
    assert refused.value.code == 400


def test_the_client_keeps_other_windows_and_refuses_in_one_line(mesos):
    master = MesosMaster(mesos.url, "clusters.dev.mesos_url")
    other = [machine_id("other.qa", "10.0.0.9")]
    mine = [machine_id("127.0.3.1", "127.0.3.1")]
    master.schedule_maintenance(other, 1700000000)
    master.schedule_maintenance(mine, 1700000000)
    assert len(mesos.schedule["windows"]) == 2
    master.machine_down(mine)
    with pytest.raises(MesosError) as refused:
        master.unschedule(mine)  # a machine that is down must stay scheduled
    assert "\n" not in str(refused.value) and "HTTP 400" in str(refused.value)
    master.machine_up(mine)
    master.unschedule(mine)
    assert [window["machine_ids"] for window in mesos.schedule["windows"]] == [other]
