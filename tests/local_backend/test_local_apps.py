"""Apps on the local back end: supervisord programs, ports, routes, logs and teardown, with two
environments side by side."""

import json
import os

import pytest
from local_backend_helpers import http_get, make_app, process_exists, processes_using, wait_for


def deploy_app(backend, work_dir, env, app, config_text=None, environment=None):
    from qaeci.backends.base import AppSpec

    workdir, argv = make_app(os.path.join(work_dir, "artifacts", env, app), config_text)
    port = backend.allocate_port(env, app)
    return backend.deploy(AppSpec(env, app, workdir, argv, port, environment or {}))


def through_router(backend, env, app, path="/"):
    return http_get(backend.router_port, "%s.%s.localhost" % (app, env), path)


@pytest.fixture(scope="module")
def two_envs(backend, work_dir):
    for env in ("qa1", "qa2"):
        for app in ("web", "api"):
            state = deploy_app(
                backend,
                work_dir,
                env,
                app,
                config_text="db=%s-%s" % (env, app),
                environment={"GREETING": "hello from %s" % env},
            )
            assert state.state == "running", state.as_dict()
    return backend


def test_app_gets_its_port_and_environment_through_the_router(two_envs):
    status, body = through_router(two_envs, "qa1", "web", "/health")
    assert status == 200
    seen = json.loads(body)
    assert seen["env"] == {
        "PORT0": str(two_envs.ports.lookup("qa1", "web")),
        "HOST": "127.0.0.1",
        "QAECI_ENV": "qa1",
        "QAECI_APP": "web",
        "GREETING": "hello from qa1",
    }
    assert seen["path"] == "/health"
    assert seen["host_header"].startswith("web.qa1.localhost")
    assert seen["config"] == "db=qa1-web"
    assert seen["cwd"].endswith(os.path.join("artifacts", "qa1", "web"))


def test_environments_are_isolated(two_envs):
    ports = {
        (env, app): two_envs.ports.lookup(env, app)
        for env in ("qa1", "qa2")
        for app in ("web", "api")
    }
    assert len(set(ports.values())) == 4
    for (env, app), port in ports.items():
        body = json.loads(through_router(two_envs, env, app)[1])
        assert body["env"]["QAECI_ENV"] == env and body["env"]["PORT0"] == str(port)
        assert body["config"] == "db=%s-%s" % (env, app)
    assert two_envs.environments() == ["qa1", "qa2"]


def test_ports_are_stable_per_app(two_envs):
    assert two_envs.allocate_port("qa1", "web") == two_envs.ports.lookup("qa1", "web")


def test_unknown_app_gets_404_listing_the_routes(two_envs):
    status, body = through_router(two_envs, "qa1", "nope")
    assert status == 404
    for env in ("qa1", "qa2"):
        for app in ("web", "api"):
            assert "http://%s.%s.localhost:%d/" % (app, env, two_envs.router_port) in body


def test_status_reports_each_app(two_envs):
    states = two_envs.status("qa1")
    assert sorted(states) == ["api", "web"]
    web = states["web"]
    assert (web.state, web.host, web.port) == (
        "running",
        "127.0.0.1",
        two_envs.ports.lookup("qa1", "web"),
    )
    assert web.log_path.endswith(os.path.join("logs", "qa1", "web.log"))


def test_log_tail_shows_the_app_output(two_envs):
    through_router(two_envs, "qa2", "api", "/ping-for-log")
    tail = wait_for(
        lambda: (
            "ping-for-log" in two_envs.log_tail("qa2", "api", 5)
            and two_envs.log_tail("qa2", "api", 5)
        )
    )
    assert "ping-for-log" in tail
    assert len(tail.splitlines()) <= 5


def test_redeploy_restarts_only_that_app(two_envs, work_dir):
    other_pid = two_envs.supervisor.info("qa1.api")["pid"]
    old_pid = two_envs.supervisor.info("qa1.web")["pid"]
    state = deploy_app(
        two_envs,
        work_dir,
        "qa1",
        "web",
        config_text="db=changed",
        environment={"GREETING": "hello from qa1"},
    )
    assert state.state == "running"
    assert two_envs.supervisor.info("qa1.web")["pid"] != old_pid
    assert not process_exists(old_pid)
    assert two_envs.supervisor.info("qa1.api")["pid"] == other_pid
    assert json.loads(through_router(two_envs, "qa1", "web")[1])["config"] == "db=changed"


def test_failed_app_is_left_failed_with_its_log(two_envs, work_dir):
    state = deploy_app(two_envs, work_dir, "qa2", "broken", environment={"FAIL_AT_START": "1"})
    assert state.state == "failed"
    assert state.detail == "exited at start: refusing to start: FAIL_AT_START is set"
    assert "FAIL_AT_START" in two_envs.log_tail("qa2", "broken")
    # never restarted: still failed a while later, and not running
    assert wait_for(lambda: False, timeout=1.5) is False
    assert two_envs.status("qa2")["broken"].state == "failed"
    assert through_router(two_envs, "qa2", "broken")[0] == 502


def test_destroy_some_apps_keeps_the_rest(two_envs):
    pid = two_envs.supervisor.info("qa2.api")["pid"]
    api_port = two_envs.ports.lookup("qa2", "api")
    two_envs.destroy("qa2", apps=["api", "broken"])
    assert sorted(two_envs.status("qa2")) == ["web"]
    assert not process_exists(pid)
    assert through_router(two_envs, "qa2", "api")[0] == 404
    assert through_router(two_envs, "qa2", "web")[0] == 200
    # the port stays reserved: the other apps' config may name it
    assert two_envs.allocate_port("qa2", "api") == api_port


def test_destroy_env_leaves_nothing_of_it_and_spares_the_other(two_envs, work_dir):
    pids = [two_envs.supervisor.info(name)["pid"] for name in ("qa2.web",)]
    two_envs.destroy("qa2")
    assert all(not process_exists(pid) for pid in pids)
    assert two_envs.status("qa2") == {}
    assert "qa2" not in two_envs.environments()
    assert not os.path.exists(os.path.join(work_dir, "envs", "qa2"))
    assert not os.path.exists(os.path.join(work_dir, "logs", "qa2"))
    assert "qa2" not in two_envs.router.routes()
    assert not os.path.exists(os.path.join(work_dir, "router", "current", "envs", "qa2.conf"))
    assert through_router(two_envs, "qa1", "web")[0] == 200
    assert two_envs.ports.lookup("qa2", "web") is None


def test_destroying_the_last_env_stops_supervisord_and_nginx(two_envs, work_dir):
    assert processes_using(work_dir)
    two_envs.destroy("qa1")
    assert two_envs.environments() == []
    assert wait_for(lambda: processes_using(work_dir) == [], timeout=10)


def test_a_missing_command_fails_with_the_reason(backend, work_dir):
    from qaeci.backends.base import AppSpec

    workdir = os.path.join(work_dir, "artifacts", "qa4", "ghost")
    os.makedirs(workdir)
    state = backend.deploy(
        AppSpec(
            "qa4", "ghost", workdir, ["no-such-program-xyz"], backend.allocate_port("qa4", "ghost")
        )
    )
    assert state.state == "failed"
    assert "no-such-program-xyz" in state.detail
    backend.destroy("qa4")


def test_an_app_that_dies_later_is_reported_with_its_exit_status(backend, work_dir):
    import sys

    from qaeci.backends.base import AppSpec

    workdir = os.path.join(work_dir, "artifacts", "qa5", "flaky")
    os.makedirs(workdir)
    # The app runs until the test lets it die (at most a minute): it dies after the deploy.
    with open(os.path.join(workdir, "flaky.py"), "w") as script:
        script.write(
            "import os, sys, time\n"
            "deadline = time.monotonic() + 60\n"
            "while not os.path.exists('die') and time.monotonic() < deadline:\n"
            "    time.sleep(0.05)\n"
            "print('lost the database')\n"
            "sys.exit(4)\n"
        )
    state = backend.deploy(
        AppSpec(
            "qa5",
            "flaky",
            workdir,
            [sys.executable, "flaky.py"],
            backend.allocate_port("qa5", "flaky"),
        )
    )
    assert state.state == "running"
    open(os.path.join(workdir, "die"), "w").close()
    assert wait_for(lambda: backend.status("qa5")["flaky"].state == "failed", timeout=10)
    assert backend.status("qa5")["flaky"].detail == "exited with status 4: lost the database"
    backend.destroy("qa5")


def test_a_port_taken_while_its_app_was_down_is_replaced(backend, work_dir):
    import socket

    deploy_app(backend, work_dir, "qa6", "web")
    old_port = backend.ports.lookup("qa6", "web")
    assert backend.allocate_port("qa6", "web") == old_port  # its own process holds it
    deploy_app(backend, work_dir, "qa6", "api")
    assert backend.allocate_ports("qa6", ["web", "api"]) == {
        "web": old_port,
        "api": backend.ports.lookup("qa6", "api"),
    }  # both held by their own
    backend.destroy("qa6", apps=["web"])
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", old_port))
    squatter.listen(1)
    try:
        api_port = backend.ports.lookup("qa6", "api")
        ports = backend.allocate_ports("qa6", ["web", "api", "db"])
        new_port = ports["web"]
        assert new_port != old_port and ports["api"] == api_port
        assert len(set(ports.values())) == 3
        assert backend.allocate_port("qa6", "web") == new_port
    finally:
        squatter.close()
    backend.destroy("qa6")


def test_bad_names_are_refused_with_a_clear_message(backend, work_dir):
    from qaeci.backends.base import BackendError

    with pytest.raises(BackendError, match="not a DNS label"):
        backend.allocate_port("QA_1", "web")
    with pytest.raises(BackendError, match="app name 'svc-x' is not valid"):
        deploy_app(backend, work_dir, "qa3", "svc-x")


def test_prepare_stages_an_app_without_touching_what_runs(backend, work_dir):
    from qaeci.backends.base import AppSpec

    workdir, argv = make_app(os.path.join(work_dir, "artifacts", "qa7", "web"))
    port = backend.allocate_port("qa7", "web")
    first = AppSpec("qa7", "web", workdir, argv, port, {"GREETING": "first"})
    backend.prepare(first)
    assert backend.app_status("qa7", "web").state == "stopped"  # configured, not started
    assert backend.router.routes()["qa7"] == {"web": port}
    assert backend.deploy(first).state == "running"
    pid = backend.supervisor.info("qa7.web")["pid"]
    second = AppSpec("qa7", "web", workdir, argv, port, {"GREETING": "second"})
    backend.prepare(second)
    assert backend.supervisor.info("qa7.web")["pid"] == pid  # still the first, untouched
    assert "first" in through_router(backend, "qa7", "web")[1]
    assert backend.deploy(second).state == "running"
    assert backend.supervisor.info("qa7.web")["pid"] != pid
    assert json.loads(through_router(backend, "qa7", "web")[1])["env"]["GREETING"] == "second"
    backend.destroy("qa7")
