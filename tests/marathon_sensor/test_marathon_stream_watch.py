"""The Marathon event stream followed against the Marathon double: live events, a stream cut
every 500 events, a leader change, malformed events, a stalled stream, a restart, and the
configuration errors (wrong credentials, unreachable, TLS) as one line each."""

import random
import socket

import pytest
from qaeci.backends.marathon_client import MarathonClient
from qaeci.marathon_view import is_ended

from tests.doubles.marathon import MarathonDouble
from tests.marathon_sensor.stream_helpers import CREDENTIALS, MemoryStore, Watching

APPS = ["/qaeci/e1/web", "/qaeci/e1/api", "/qaeci/e1/f-tts-java", "/other/thing"]


def deploy(marathon, app_id, instances=1, ca_file=None):
    client = MarathonClient("dev", marathon.url, CREDENTIALS, ca_file)
    client.put_app(app_id, {"id": app_id, "cmd": "serve", "instances": instances})
    marathon.wait_for(lambda: running(marathon, app_id) == instances)


def running(marathon, app_id):
    return len([task for task in marathon.tasks(app_id) if task[1] == "TASK_RUNNING"])


def live_tasks(marathon):
    return {task[0] for app_id in marathon.apps() for task in marathon.tasks(app_id)}


def final_states_match(watching, marathon, baseline=()):
    """Every task the double runs was last reported running (but those running when the sensor
    first started, which it only recorded); every other task it reported was last reported
    ended."""
    live = live_tasks(marathon) - set(baseline)
    last = watching.last_state()
    return (
        live <= set(last)
        and all(last[task]["state"] == "TASK_RUNNING" for task in live)
        and all(is_ended(payload["state"]) for task, payload in last.items() if task not in live)
    )


def test_live_events_become_triggers(marathon):
    with Watching(marathon.url) as watching:
        watching.wait_connected()
        deploy(marathon, "/qaeci/e1/f-tts-java", instances=2)
        recorder = watching.recorder
        recorder.wait_for(
            lambda: [p["status"] for p in recorder.of("deployment")][-1:] == ["success"]
        )
        recorder.wait_for(lambda: final_states_match(watching, marathon))
        states = [p["state"] for p in recorder.of("task_status")]
        assert states.count("TASK_RUNNING") == 2 and states.count("TASK_STAGING") == 2
        payload = recorder.of("task_status")[-1]
        assert (payload["env"], payload["app"], payload["cluster"], payload["reconciled"]) == (
            "e1",
            "f_tts_java",
            "dev",
            False,
        )
        assert payload["host"].startswith("127.") and payload["ports"]
        assert [p["status"] for p in recorder.of("deployment")][0] == "started"
        assert watching.malformed.counts == {}


def deployments_ended(watching):
    """Every deployment the sensor reported was last reported a success (all of them succeed
    here); those that began and ended while it was disconnected it cannot know of."""
    last = {}
    for payload in watching.recorder.of("deployment"):
        last[(payload["deployment_id"], payload["app_id"])] = payload["status"]
    return all(status == "success" for status in last.values())


def test_a_stream_cut_every_500_events_misses_no_final_state(marathon):
    """Tasks are killed and relaunched on two apps, deployments come and go on the two others,
    while the stream is cut after every 500 events: what happened during the reconnects comes
    from reconciling."""
    marathon.cut_every(500)
    with Watching(marathon.url) as watching:
        watching.wait_connected()
        for app_id in APPS:
            deploy(marathon, app_id, instances=3)
        chance = random.Random(7)
        for turn in range(900):
            if turn % 5 == 0:  # TASK_KILLED, then the relaunch: staging, starting, running
                app_id = chance.choice(APPS[:2])
                marathon.kill_task(chance.choice(marathon.tasks(app_id))[0])
            else:  # another deployment holds an app, then succeeds
                marathon.release(marathon.hold_app(chance.choice(APPS[2:])))
        marathon.wait_for(lambda: all(running(marathon, app_id) == 3 for app_id in APPS))
        marathon.cut_every(None)
        watching.recorder.wait_for(
            lambda: final_states_match(watching, marathon) and deployments_ended(watching),
            what="the final state of every task and deployment",
        )
        watch = watching.watch
        assert watch.ingested >= 1000  # so the stream was cut twice at least
        assert watch.sessions >= 1 + watch.ingested // 500
        assert watching.malformed.counts == {}
        assert not watching.log.at("ERROR")


def test_a_leader_change_is_followed_and_what_changed_meanwhile_reconciled(marathon):
    with MarathonDouble(
        cluster=marathon.cluster, credentials=CREDENTIALS, heartbeat_interval=0.2
    ) as standby:
        with Watching(standby.url) as watching:  # any member: it finds the leader
            watching.wait_connected()
            assert watching.watch.leader_url == marathon.url
            deploy(marathon, "/qaeci/e1/web", instances=2)
            marathon.elect(None)  # leaderless for a while
            old = marathon.tasks("/qaeci/e1/web")[0][0]
            new = marathon.kill_task(old)
            marathon.wait_for(lambda: running(marathon, "/qaeci/e1/web") == 2)
            marathon.elect(standby)
            watching.wait_connected(sessions=2)
            assert watching.watch.leader_url == standby.url
            watching.recorder.wait_for(lambda: final_states_match(watching, marathon))
            last = watching.last_state()
            assert (last[old]["state"], last[old]["reconciled"]) == ("TASK_UNKNOWN", True)
            assert (last[new]["state"], last[new]["reconciled"]) == ("TASK_RUNNING", True)
            errors = watching.log.at("ERROR")
            assert len(errors) <= 1 and all("/v2/leader" in line for line in errors)
            deploy(marathon, "/qaeci/e1/api")  # and the new leader's events flow
            watching.recorder.wait_for(
                lambda: any(
                    p["app"] == "api" and p["state"] == "TASK_RUNNING" and not p["reconciled"]
                    for p in watching.recorder.of("task_status")
                )
            )


def test_malformed_events_are_skipped_counted_and_logged_once_per_kind(marathon):
    with Watching(marathon.url) as watching:
        watching.wait_connected()
        for _ in range(3):
            marathon.send_raw("status_update_event", "{oops")
        for _ in range(2):
            marathon.send_raw("deployment_info", '{"plan": 5}')
        deploy(marathon, "/qaeci/e1/web")
        watching.recorder.wait_for(lambda: final_states_match(watching, marathon))
        assert watching.malformed.counts == {"not JSON": 3, "deployment_info without plan": 2}
        warnings = watching.log.at("WARNING")
        assert len(warnings) == 2
        assert all(
            "skipped a malformed event" in line and "Marathon dev" in line for line in warnings
        )


def test_a_stalled_stream_is_left_and_reopened(marathon):
    with Watching(marathon.url) as watching:
        watching.wait_connected()
        marathon.stall_streams()
        watching.wait_connected(sessions=2)
        [stalled] = watching.log.at("WARNING")
        assert (
            "stalled: not one byte, not even a heartbeat, for 0.8s while /ping answers" in stalled
        )
        deploy(marathon, "/qaeci/e1/web")
        watching.recorder.wait_for(lambda: final_states_match(watching, marathon))


def test_a_restarted_sensor_reports_what_changed_while_it_was_not_running(marathon):
    store = MemoryStore()
    deploy(marathon, "/qaeci/e1/web")
    old = marathon.tasks("/qaeci/e1/web")[0][0]
    with Watching(marathon.url, store=store) as first:
        first.wait_connected()
        assert first.recorder.of("task_status") == []  # a first start only records
        deploy(marathon, "/qaeci/e1/api")
        first.recorder.wait_for(lambda: final_states_match(first, marathon, baseline=[old]))
    new = marathon.kill_task(old)
    marathon.wait_for(lambda: running(marathon, "/qaeci/e1/web") == 1)
    with Watching(marathon.url, store=store) as second:
        second.wait_connected()
        second.recorder.wait_for(lambda: len(second.recorder.of("task_status")) == 2)
        last = second.last_state()
        assert {task: (p["state"], p["reconciled"]) for task, p in last.items()} == {
            old: ("TASK_UNKNOWN", True),
            new: ("TASK_RUNNING", True),
        }


def wait_failures(watching, count):
    backoff = watching.watch._backoff
    watching.recorder.wait_for(lambda: backoff.failures >= count, what="%d retries" % count)


def test_wrong_credentials_are_one_line_while_it_keeps_retrying(marathon):
    with Watching(marathon.url, auth="qaeci:wrong") as watching:
        wait_failures(watching, 4)
        [line] = watching.log.at("ERROR")
    assert "Marathon dev (%s) refused the credentials (HTTP 401)" % marathon.url in line
    assert "fix: set clusters.dev.marathon_auth to the right user:password" in line


def test_an_unreachable_marathon_is_one_line():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = "http://127.0.0.1:%d" % probe.getsockname()[1]
    with Watching(url) as watching:
        wait_failures(watching, 4)
        [line] = watching.log.at("ERROR")
    assert "Marathon dev (%s) is unreachable" % url in line
    assert "fix: check clusters.dev.marathon_url" in line


def test_a_tls_error_is_one_line_and_a_trusted_certificate_works(tmp_path):
    from tests.marathon.test_marathon_config import self_signed_certificate

    cert_file, key_file = self_signed_certificate(tmp_path)
    with MarathonDouble(
        credentials=CREDENTIALS, tls=(cert_file, key_file), start_delay=0.01, heartbeat_interval=0.2
    ) as secure:
        with Watching(secure.url) as untrusting:
            wait_failures(untrusting, 3)
            [line] = untrusting.log.at("ERROR")
        assert "TLS failed" in line and "CERTIFICATE_VERIFY_FAILED" in line
        assert "fix: set clusters.dev.marathon_ca_file" in line
        with Watching(secure.url, ca_file=cert_file) as trusting:
            trusting.wait_connected()
            deploy(secure, "/qaeci/e1/web", ca_file=cert_file)
            trusting.recorder.wait_for(lambda: final_states_match(trusting, secure))
            assert not trusting.log.at("ERROR")


@pytest.mark.parametrize(
    "sensors, problem",
    [
        (
            {"marathon_stall_timeout": 0},
            "sensors.marathon_stall_timeout must be a number of seconds above 0",
        ),
        ({"request_timeout": 0}, "sensors.request_timeout must be a number of seconds above 0"),
        ({"retry_first": "soon"}, "sensors.retry_first must be a number"),
    ],
)
def test_bad_settings_are_one_line(sensors, problem):
    from qaeci.cluster_config import sensor_settings
    from qaeci.errors import ConfigError

    with pytest.raises(ConfigError, match=problem):
        sensor_settings({"sensors": sensors})
    assert sensor_settings({"sensors": {"marathon_stall_timeout": 15}}) == sensor_settings({})


def test_a_redirect_to_the_leader_is_followed(marathon):
    from qaeci.marathon_sse import SseParser
    from qaeci.marathon_stream_http import EventConnection

    with MarathonDouble(
        cluster=marathon.cluster, credentials=CREDENTIALS, standby_redirects=True
    ) as standby:
        connection = EventConnection(
            "dev", standby.url, CREDENTIALS, event_types=["event_stream_attached"]
        ).open()
        try:
            assert connection.url == marathon.url
            events = []
            parser = SseParser()
            while not events:
                events = parser.feed(connection.read())
            assert events[0][0] == b"event_stream_attached"
        finally:
            connection.close()


def test_streams_that_keep_ending_are_not_a_line_each(marathon):
    with Watching(marathon.url) as watching:
        for sessions in range(1, 6):
            watching.wait_connected(sessions=sessions)
            marathon.cut_streams()
        watching.wait_connected(sessions=6)
        ends = [line for line in watching.log.at("INFO") if "event stream ended" in line]
        assert len(ends) == 1 and "(closed by Marathon)" in ends[0]
        assert not watching.log.at("ERROR") and not watching.log.at("WARNING")
