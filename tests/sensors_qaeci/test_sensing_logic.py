"""The pure parts of the sensors: capacity levels with hysteresis, agent changes, launch queue
reasons, back-off, the clusters config, and container identity."""

import datetime

import pytest
from qaeci import triggers
from qaeci.cluster_config import read_clusters, sensor_settings
from qaeci.errors import ConfigError
from qaeci.sensing import agents
from qaeci.sensing.backoff import Backoff
from qaeci.sensing.capacity import LevelTracker, NotLeader, allocations
from qaeci.sensing.containers import app_id_from_task_id, identity_from_inspect
from qaeci.sensing.launch_queue import stalled_launches

from tests.doubles.payloads import load_json


def feed(tracker, ratios):
    return [tracker.feed(ratio) for ratio in ratios]


def test_a_level_changes_after_n_polls_in_a_row():
    tracker = LevelTracker(high=0.85, low=0.2, hysteresis=0.05, polls=3)
    assert feed(tracker, [0.9, 0.9, 0.5, 0.9, 0.9]) == [None] * 5
    assert tracker.feed(0.9) == ("high", "normal")


def test_hysteresis_keeps_high_until_the_ratio_clears_the_margin():
    tracker = LevelTracker(high=0.85, low=0.2, hysteresis=0.05, polls=1, level="high")
    assert feed(tracker, [0.84, 0.81, 0.85]) == [None, None, None]
    assert tracker.feed(0.79) == ("normal", "high")
    assert tracker.feed(0.22) is None
    assert tracker.feed(0.2) == ("low", "normal")
    assert tracker.feed(0.24) is None
    assert tracker.feed(0.26) == ("normal", "low")


def test_allocations_from_the_recorded_master_snapshot():
    found = allocations(load_json("mesos", "metrics_snapshot_master.json"))
    assert found["cpus"].ratio == pytest.approx(14.55 / 32.0)
    assert found["mem"].total == 116256.0


def test_a_master_that_is_not_elected_is_refused():
    metrics = dict(load_json("mesos", "metrics_snapshot_master.json"), **{"master/elected": 0.0})
    with pytest.raises(NotLeader):
        allocations(metrics)


def test_the_recorded_draining_agent_counts_as_inactive():
    states = agents.agent_states(load_json("mesos", "master_slaves.json"))
    assert {agent_id[-2:]: state.active for agent_id, state in states.items()} == {
        "S3": True,
        "S4": False,
    }


def test_agent_changes_in_both_directions():
    before = {
        "a": agents.AgentState("a", "h1", True, {}),
        "b": agents.AgentState("b", "h2", False, {}),
    }
    after = {
        "b": agents.AgentState("b", "h2", True, {}),
        "c": agents.AgentState("c", "h3", True, {}),
    }
    assert [(change, state.agent_id) for change, state in agents.agent_changes(before, after)] == [
        ("left", "a"),
        ("reactivated", "b"),
        ("joined", "c"),
    ]


def test_the_recorded_queue_entry_is_stalled_with_the_last_offers_reasons():
    queue = load_json("marathon", "rest", "queue_get.json")
    now = datetime.datetime(2023, 9, 5, 8, 20, 30, 600000, tzinfo=datetime.timezone.utc)
    [stall] = stalled_launches(queue, now, threshold_seconds=300)
    assert (stall.app_id, stall.waiting, stall.waiting_seconds) == ("/qaeci/env1/web", 1, 480.0)
    assert stall.declined["InsufficientMemory"] == 4 and stall.declined["InsufficientCpus"] == 2
    assert stalled_launches(queue, now, threshold_seconds=600) == []


def test_backoff_doubles_with_jitter_up_to_the_maximum():
    backoff = Backoff(first=1, maximum=8, rng=lambda: 1.0)
    assert [backoff.next_delay() for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    low = Backoff(first=1, maximum=8, rng=lambda: 0.0)
    assert [low.next_delay() for _ in range(3)] == [0.5, 1, 2]
    backoff.reset()
    assert backoff.next_delay() == 1


def test_clusters_are_read_and_bad_entries_named():
    clusters, problems = read_clusters(
        {
            "clusters": {
                "dev": {
                    "marathon_url": "http://m:8080/",
                    "mesos_url": "http://z:5050",
                    "docker_hosts": ["unix:///var/run/docker.sock", "tcp://a1:2375"],
                },
                "beta": {"marathon_auth": "no-colon"},
                "prod": "http://wrong",
            }
        }
    )
    assert [(c.name, c.marathon_url, c.docker_hosts) for c in clusters] == [
        ("dev", "http://m:8080", ("unix:///var/run/docker.sock", "tcp://a1:2375"))
    ]
    assert problems[0].startswith('clusters.beta.marathon_auth must be "user:password"')
    assert problems[1].startswith("clusters.prod must be a mapping")
    assert read_clusters({}) == ([], [])


@pytest.mark.parametrize(
    "sensors, expected",
    [
        ({"capacity_polls": "x"}, "sensors.capacity_polls must be a number"),
        ({"capacity_hig": 0.9}, "sensors.capacity_hig is not a sensor setting"),
        ({"capacity_low": 0.9, "capacity_high": 0.5}, "sensors: capacity_low (0.9) must be below"),
        ({"retry_first": -1}, "sensors.retry_first must not be negative"),
    ],
)
def test_bad_sensor_settings_are_one_line_naming_the_key(sensors, expected):
    with pytest.raises(ConfigError) as error:
        sensor_settings({"sensors": sensors})
    assert str(error.value).startswith(expected)
    assert "\n" not in str(error.value) and "fix:" in str(error.value)


def test_a_docker_host_that_is_not_an_address_is_refused():
    [], [problem] = read_clusters({"clusters": {"dev": {"docker_hosts": ["/var/run/docker.sock"]}}})
    assert "is not unix://PATH or tcp://HOST:PORT" in problem


def test_task_ids_name_their_app():
    assert (
        app_id_from_task_id("qaeci_env1_web.instance-7b4d2d2e-4c8a-11ee-9c3b-0242ac110002._app.1")
        == "/qaeci/env1/web"
    )
    assert app_id_from_task_id("qaeci_env-1_web.api.marathon-8cad6a69") == "/qaeci/env-1/web.api"
    assert app_id_from_task_id("not-a-task") is None


def test_identity_from_the_recorded_inspect():
    who = identity_from_inspect(load_json("docker", "container_inspect_running.json"))
    assert who.app_id == "/qaeci/env1/web"
    assert who.task_id.startswith("qaeci_env1_web.instance-")
    assert who.name == "mesos-d5b3a1f2-7c4e-4e9a-8b6d-0f1e2d3c4b5a"
    # the recording labels the env but not the app (qaeci.app_code): the id names both then
    assert who.labels == {"qaeci.env": "env1"}
    assert triggers.identify(who.app_id, who.labels) == ("env1", "web")


def test_https_against_a_plain_http_endpoint_is_a_tls_line_naming_the_key():
    from qaeci.sensing.http_json import Endpoint, EndpointError

    from tests.doubles.mesos import MesosMasterDouble

    with MesosMasterDouble() as mesos:
        endpoint = Endpoint(
            "Mesos master",
            mesos.url.replace("http:", "https:"),
            "clusters.dev.mesos_url",
            timeout=5,
        )
        with pytest.raises(EndpointError) as error:
            endpoint.get("/metrics/snapshot")
    line = str(error.value)
    assert line.startswith("Mesos master https://127.0.0.1:") and ": TLS error (" in line
    assert "clusters.dev.mesos_url" in line and "\n" not in line


def test_an_app_code_with_underscores_is_read_back_from_its_marathon_id():
    assert triggers.identify(app_id="/qaeci/qa1/f-tts-java") == ("qa1", "f_tts_java")
    assert triggers.identify(app_id="/qaeci/qa1/svc.mysql") == ("qa1", "svc.mysql")
    assert triggers.identify(app_id="/other/qa1/web") == (None, None)
