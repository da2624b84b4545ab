"""Apps on Marathon: created, updated, relaunched elsewhere, destroyed with their group."""

import urllib.request

import pytest
from qaeci.backends.base import BackendError

from tests.marathon.marathon_helpers import ARTIFACT_KEY, make_backend


def answers(state, path="/health"):
    with urllib.request.urlopen(
        "http://%s:%s%s" % (state.host, state.port, path), timeout=5
    ) as reply:
        return reply.status == 200


def definition(marathon, app_id):
    return marathon.cluster.apps[app_id].definition


def test_an_app_is_deployed_in_its_runtime_image_with_fetched_artifact_and_config(
    backend, marathon, spec_for, store
):
    state = backend.deploy(spec_for(app="f_tts_java"))
    assert state.state == "running" and state.host.startswith("127.") and answers(state)
    app = definition(marathon, "/qaeci/e1/f-tts-java")
    assert app["container"]["docker"]["image"] == "python:3.11-slim-bookworm"
    assert app["args"] == ["bash", "-c", "exec python3 server.py"]
    assert "healthChecks" not in app
    assert set(app["env"]) == {"QAECI_ENV", "QAECI_APP"}  # PORT0 and HOST: Marathon's
    assert app["portDefinitions"][0]["port"] >= 10000  # a service port
    artifact, config = app["fetch"]
    assert artifact["uri"] == store.url(ARTIFACT_KEY) and artifact["extract"] is True
    assert config["uri"].startswith(store.url("marathon-config/e1/f_tts_java/"))
    assert all(item["destPath"] for item in app["fetch"])
    labels = app["labels"]
    assert (labels["qaeci.env"], labels["qaeci.app"], labels["qaeci.commit"]) == (
        "e1",
        "f_tts_java",
        "7f3c2a1",
    )
    assert labels["HAPROXY_0_VHOST"] == "f-tts-java.e1.qa.example.com"
    assert labels["HAPROXY_GROUP"] == "external" and len(labels["qaeci.config"]) == 64


def test_status_maps_ids_back_to_app_codes(backend, spec_for):
    backend.deploy(spec_for(app="f_tts_java"))
    backend.deploy(spec_for(app="web"))
    states = backend.status("e1")
    assert sorted(states) == ["f_tts_java", "web"]
    assert all(state.state == "running" for state in states.values())
    assert backend.app_status("e1", "f_tts_java").port == states["f_tts_java"].port
    assert backend.app_status("e1", "nope") is None
    assert backend.environments() == ["e1"]


def test_a_changed_config_is_a_new_deployment_with_a_new_task(backend, marathon, spec_for, release):
    first = backend.deploy(spec_for())
    old_hash = definition(marathon, "/qaeci/e1/web")["labels"]["qaeci.config"]
    (release / "conf" / "app.properties").write_text("db.url=mysql://elsewhere/app\n")
    second = backend.deploy(spec_for())
    assert definition(marathon, "/qaeci/e1/web")["labels"]["qaeci.config"] != old_hash
    assert second.state == "running" and (second.host, second.port) != (first.host, first.port)
    assert len(marathon.tasks("/qaeci/e1/web")) == 1  # the old task was killed
    assert answers(second)


def test_an_unchanged_app_put_again_keeps_its_task(backend, marathon, spec_for):
    first = backend.deploy(spec_for())
    (task_before,) = marathon.tasks("/qaeci/e1/web")
    again = backend.deploy(spec_for())  # Marathon: a new version, same config
    assert marathon.tasks("/qaeci/e1/web") == [task_before]
    assert (again.state, again.host, again.port) == ("running", first.host, first.port)


def test_without_the_artifact_key_the_release_itself_is_fetched(backend, marathon, spec_for, store):
    backend.deploy(spec_for(artifact_key=None))
    (release_item,) = definition(marathon, "/qaeci/e1/web")["fetch"]
    assert release_item["uri"].startswith(store.url("marathon-releases/e1/web/"))
    assert release_item["destPath"] == "release.tar.gz"


def test_a_missing_artifact_fails_the_launch_as_the_fetcher_does(backend, spec_for, store):
    state = backend.deploy(spec_for(artifact_key="web/never-built.tar.gz"))
    assert state.state == "failed"
    assert "Failed to fetch all URIs" in state.detail


def test_a_killed_task_is_relaunched_elsewhere_and_status_follows_it(backend, marathon, spec_for):
    before = backend.deploy(spec_for())
    ((task_id, _, _, _),) = marathon.tasks("/qaeci/e1/web")
    marathon.kill_task(task_id)
    marathon.wait_for(
        lambda: (
            backend.app_status("e1", "web").state == "running"
            and backend.app_status("e1", "web").host != before.host
        )
    )
    after = backend.app_status("e1", "web")
    assert after.port != before.port and answers(after)


def test_app_info_names_the_task_its_agent_and_the_framework(backend, marathon, spec_for):
    backend.deploy(spec_for())
    ((task_id, _, host, port),) = marathon.tasks("/qaeci/e1/web")

    info = backend.app_info("e1", "web", log_lines=5)

    assert (info.state, info.host, info.port) == ("running", host, port)
    assert info.ids == {
        "app_id": "/qaeci/e1/web",
        "task_id": task_id,
        "agent_id": info.ids["agent_id"],
        "framework_id": "7e3a1c0f-2b1d-4c8e-9f3a-5d6b7c8d9e0f-0001",
    }
    assert info.ids["agent_id"].startswith("7e3a1c0f-2b1d-4c8e-9f3a-5d6b7c8d9e0f-S")
    assert info.started_at.endswith("Z") and task_id in info.log_tail
    assert backend.app_info("e1", "nosuch") is None


def test_app_info_of_a_failed_app_names_the_task_that_failed(backend, marathon, spec_for):
    marathon.fail_tasks("/qaeci/e1/web", "Container exited with status 1")
    backend.deploy(spec_for())
    failure = marathon.cluster.apps["/qaeci/e1/web"].last_task_failure

    info = backend.app_info("e1", "web", log_lines=0)

    assert info.state == "failed" and "Container exited with status 1" in info.detail
    assert (info.ids["task_id"], info.ids["agent_id"]) == (failure["taskId"], failure["slaveId"])
    assert info.started_at is None and info.log_tail == ""


def test_env_down_leaves_no_app_and_no_group(backend, marathon, spec_for):
    backend.deploy(spec_for(app="web"))
    backend.deploy(spec_for(app="api"))
    backend.destroy("e1", apps=["api"])
    assert marathon.apps() == ["/qaeci/e1/web"]
    backend.destroy("e1")
    assert marathon.apps() == []
    assert "/qaeci/e1" not in marathon.groups()
    assert backend.environments() == []
    backend.destroy("e1")  # nothing left: no error


def test_addresses_go_through_marathon_lb(backend):
    address = backend.addresses("e1", ["f_tts_java"], "qa.example.com", 8080)["f_tts_java"]
    assert address == {
        "host": "f-tts-java.e1.qa.example.com",
        "port": 80,
        "url": "http://f-tts-java.e1.qa.example.com",
        "public_url": "http://f-tts-java.e1.qa.example.com/",
    }


def test_a_missing_runtime_image_is_a_config_fix(marathon, store, tmp_path, spec_for):
    backend = make_backend(marathon, store, tmp_path / "work", images={"python": ""})
    with pytest.raises(BackendError, match="fix: set marathon.images.python"):
        backend.deploy(spec_for())
