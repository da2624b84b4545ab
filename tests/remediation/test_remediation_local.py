"""Item 6: the remediation rules on the local back end, from the events its supervisord event
listener spools (fired here as the local events sensor dispatches them): an app that dies is
restarted once, checked and announced; a flapping one is left alone and reported once; the
guards (hourly cap, dry run) hold; an OOM kill raises the app's memory and redeploys it."""

import json

import pytest
from remediation_site import CHANNEL, Site, exit_payload, oom_payload


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path)
    site.env_up("qa1")
    yield site
    site.close()


def test_an_app_that_dies_is_restarted_once_checked_and_announced(site):
    pid = site.kill("qa1", "api")
    [execution] = site.fire("container_exit", exit_payload("qa1", "api", pid))
    assert execution["action"] == "qaeci.remediate" and execution["status"] == "succeeded"
    assert site.answers("qa1", "api") == 200
    assert site.pid("qa1", "api") not in (None, pid)
    [posted] = site.chat()
    assert posted["channel"] == CHANNEL
    assert posted["message"] == (
        "qa1/api stopped (exit code 137): restarted once: healthy, its checks pass"
    )
    [decision] = site.history("api")
    assert (decision["decision"], decision["result"]) == ("acted", "succeeded")
    assert decision["announcement"] == posted["message"]
    code, out, _ = site.st2lite("action-alias", "execute", "remediation history api")
    assert code == 0
    assert out.splitlines()[0] == "carol: Remediation decisions about api, newest first:"
    assert out.splitlines()[1].endswith(
        " qa1/api exit: acted - restart it once and verify its checks (1 of 3 this hour) -> "
        "succeeded: restarted: healthy, its checks pass"
    )


def decisions(site, app):
    return [(entry["decision"], entry["kind"]) for entry in reversed(site.history(app))]


def test_a_flapping_app_is_reported_once_with_its_log_and_left_alone(site):
    site.set_remediation(flapping_failures=2, flapping_window=600)
    first = site.kill("qa1", "api")
    site.fire("container_exit", exit_payload("qa1", "api", first))
    second = site.kill("qa1", "api")
    [report] = site.fire("container_exit", exit_payload("qa1", "api", second))
    assert report["status"] == "succeeded"
    assert site.answers("qa1", "api") == 502  # left alone: not restarted
    [again] = site.fire("container_exit", exit_payload("qa1", "api", second))  # one death
    assert again["result"]["output"]["decision"]["reason"] == "already counted"
    backend = site.local_backend()
    backend.supervisor.start(backend.program_name("qa1", "api"))  # a person starts it
    site.fire("container_exit", exit_payload("qa1", "api", site.kill("qa1", "api")))
    restarted, flapping = [posted["message"] for posted in site.chat()]
    assert restarted.endswith("restarted once: healthy, its checks pass")
    assert flapping.startswith("qa1/api is flapping: 2 failures within 600 s")
    assert "app log, last lines:\n```\n" in flapping and "listening on port" in flapping
    assert decisions(site, "api") == [("acted", "exit"), ("skipped", "exit"), ("skipped", "exit")]
    assert "reported at" in site.history("api")[0]["reason"]


def test_over_the_hourly_cap_it_escalates_once_then_stops(site):
    site.set_remediation(max_per_hour=1, flapping_failures=10)
    site.fire("container_exit", exit_payload("qa1", "api", site.kill("qa1", "api")))
    site.fire("container_exit", exit_payload("qa1", "api", site.kill("qa1", "api")))
    assert site.answers("qa1", "api") == 502
    backend = site.local_backend()
    backend.supervisor.start(backend.program_name("qa1", "api"))  # a person starts it
    site.fire("container_exit", exit_payload("qa1", "api", site.kill("qa1", "api")))
    messages = [posted["message"] for posted in site.chat()]
    assert len(messages) == 2
    assert messages[1].startswith(
        "qa1/api stopped (exit code 137): automatic remediation "
        "stopped, over to a person: not done: restart it once"
    )
    assert (
        "reached 1 automatic actions per hour on qa1/api (remediation.max_per_hour)" in messages[1]
    )
    assert decisions(site, "api") == [("acted", "exit"), ("escalated", "exit"), ("skipped", "exit")]


def test_a_dry_run_posts_what_it_would_do_and_changes_nothing(site):
    site.set_remediation(dry_run=True)
    [execution] = site.fire("container_exit", exit_payload("qa1", "api", site.kill("qa1", "api")))
    assert execution["status"] == "succeeded"
    assert site.answers("qa1", "api") == 502
    [posted] = site.chat()
    assert posted["message"] == (
        "[dry run] qa1/api stopped (exit code 137): dry run: would "
        "restart it once and verify its checks (1 of 3 this hour)"
    )
    [decision] = site.history("api")
    assert decision["decision"] == "skipped" and decision["dry_run"] is True


def test_a_stop_that_was_asked_for_is_no_failure(site):
    backend = site.local_backend()
    pid = site.pid("qa1", "web")
    backend.supervisor.stop(backend.program_name("qa1", "web"))
    [execution] = site.fire("container_exit", exit_payload("qa1", "web", pid, code=143))
    assert execution["status"] == "succeeded"
    assert execution["result"]["output"]["decision"]["decision"] == "ignored"
    assert site.history("web") == [] and site.chat() == []


def test_an_oom_kill_raises_the_apps_memory_and_redeploys_it(site):
    pid = site.kill("qa1", "api")
    [execution] = site.fire("container_oom", oom_payload("qa1", "api", pid))
    assert execution["status"] == "succeeded"
    assert site.answers("qa1", "api") == 200
    assert json.loads(site.key("qaeci.env.qa1.resources.api"))["mem"] == 384
    [posted] = site.chat()
    assert posted["message"] == (
        "qa1/api was killed for running out of memory: memory 256 -> "
        "384 MB, redeployed: healthy, its checks pass"
    )
    [decision] = site.history("api")
    assert decision["detail"] == "memory 256 -> 384 MB; healthy, its checks pass"


def test_with_st2lites_own_chatops_pack_the_message_is_announced(tmp_path):
    site = Site(tmp_path, chatops_pack=False)  # StackStorm's chatops pack, as st2lite ships it
    try:
        site.env_up("qa1")
        [execution] = site.fire(
            "container_exit", exit_payload("qa1", "api", site.kill("qa1", "api"))
        )
        message = execution["result"]["output"]["message"]
        assert message == (
            "qa1/api stopped (exit code 137): restarted once: healthy, its checks pass"
        )
        assert site.history("api")[0]["announcement"] == message
        code, enforcements = site.json(
            "rule-enforcement", "list", "--rule", "qaeci.remediation_post"
        )
        assert [post["status"] for post in enforcements] == ["succeeded"]
        code, announced = site.json("announcement", "list", "--route", "chatops")
        assert code == 0
        assert [(a["payload"]["channel"], a["payload"]["message"]) for a in announced] == [
            (CHANNEL, message)
        ]
    finally:
        site.close()
