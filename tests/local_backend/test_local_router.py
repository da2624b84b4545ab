"""The nginx router on its own: its files stay under work_dir, a config nginx refuses never
replaces the working one, and routes follow every change."""

import os

import pytest
from local_backend_helpers import free_port, http_get, make_app, processes_using, wait_for


@pytest.fixture(scope="module")
def router(backend, work_dir):
    from qaeci.backends.local_supervisor import ProgramSpec

    workdir, argv = make_app(os.path.join(work_dir, "app"))
    port = free_port()
    backend.supervisor.run(
        ProgramSpec(
            "rt.web",
            argv,
            workdir,
            {"PORT0": str(port), "HOST": "127.0.0.1"},
            os.path.join(work_dir, "logs", "web.log"),
        )
    )
    backend.router.add_route("rt", "web", port)
    backend.router.test_app_port = port
    yield backend.router
    backend.router.remove_routes("rt")
    backend.supervisor.remove("rt.web")


def test_nginx_runs_as_its_own_master_with_files_under_work_dir(router, work_dir):
    masters = [cmd for _pid, cmd in processes_using(work_dir) if "nginx: master" in cmd]
    assert len(masters) == 1
    assert "-c %s/router/current/nginx.conf" % work_dir in masters[0]
    config = open(os.path.join(work_dir, "router", "current", "nginx.conf")).read()
    paths = [word for word in config.split() if word.startswith("/") and word.count("/") > 1]
    assert paths and all(path.startswith(work_dir) for path in paths), paths
    assert "listen 127.0.0.1:%d default_server;" % router.port in config


def test_one_include_file_per_environment(router, work_dir):
    router.add_route("other", "web", router.test_app_port)
    try:
        envs = sorted(os.listdir(os.path.join(work_dir, "router", "current", "envs")))
        assert envs == ["other.conf", "rt.conf"]
        assert http_get(router.port, "web.other.localhost")[0] == 200
    finally:
        router.remove_routes("other")
    assert http_get(router.port, "web.other.localhost")[0] == 404


def test_a_config_nginx_refuses_keeps_the_working_one(router, work_dir):
    from qaeci.router import RouterError

    before = os.readlink(os.path.join(work_dir, "router", "current"))
    with pytest.raises(RouterError, match="nginx refused the new router config, kept the old one"):
        router.add_route("rt", "bad", 70000)  # not a TCP port: nginx -t says so
    assert os.readlink(os.path.join(work_dir, "router", "current")) == before
    assert "bad" not in router.routes()["rt"]
    assert http_get(router.port, "web.rt.localhost")[0] == 200
    assert http_get(router.port, "bad.rt.localhost")[0] == 404


def test_names_that_cannot_be_host_labels_are_refused(router):
    from qaeci.router import RouterError

    with pytest.raises(RouterError, match="cannot be part of a host name"):
        router.add_route("rt", "two words", 1234)


def test_public_url_names_app_env_domain_and_port(router):
    assert router.public_url("qa1", "web") == "http://web.qa1.localhost:%d/" % router.port


def test_router_port_in_use_is_reported(work_dir):
    import socket

    from qaeci.backends.local_supervisor import Supervisor
    from qaeci.router import NginxRouter, RouterError

    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    other_dir = os.path.join(work_dir, "busy")
    supervisor = Supervisor(other_dir)
    try:
        busy = NginxRouter(other_dir, supervisor, port=blocker.getsockname()[1])
        with pytest.raises(
            RouterError, match="router port 127.0.0.1:[0-9]+ is in use by another program"
        ):
            busy.add_route("qa1", "web", 1234)
    finally:
        blocker.close()
        supervisor.shutdown()
    assert wait_for(lambda: processes_using(other_dir) == [], timeout=10)


def _add_routes_at_once(router, names_and_ports):
    """add_route from one thread per route, started together: {name: error or None}."""
    import threading

    outcomes, start = {}, threading.Barrier(len(names_and_ports))

    def add(name, port):
        start.wait(timeout=10)
        try:
            router.add_route("burst", name, port)
            outcomes[name] = None
        except Exception as error:  # the test looks at which ones failed
            outcomes[name] = str(error)

    threads = [threading.Thread(target=add, args=item) for item in names_and_ports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_routes_asked_for_at_once_share_reloads_and_all_answer(router, work_dir):
    import json

    names = ["app%d" % index for index in range(10)]
    generation = json.load(open(os.path.join(work_dir, "router", "routes.json")))["generation"]
    try:
        outcomes = _add_routes_at_once(router, [(name, router.test_app_port) for name in names])
        assert outcomes == {name: None for name in names}
        after = json.load(open(os.path.join(work_dir, "router", "routes.json")))["generation"]
        assert after - generation < len(names)  # batched: fewer reloads than routes
        assert all(http_get(router.port, "%s.burst.localhost" % name)[0] == 200 for name in names)
    finally:
        router.remove_routes("burst")
    assert not os.listdir(os.path.join(work_dir, "router", "queue"))


def test_one_bad_route_in_a_burst_fails_alone(router):
    good = [("good%d" % index, router.test_app_port) for index in range(4)]
    try:
        outcomes = _add_routes_at_once(router, good + [("bad", 70000)])
        assert "nginx refused the new router config" in outcomes.pop("bad")
        assert outcomes == {name: None for name, _port in good}
        assert sorted(router.routes()["burst"]) == sorted(name for name, _port in good)
    finally:
        router.remove_routes("burst")


def test_routes_added_together_take_one_reload_and_later_adds_of_the_same_routes_none(
    router, work_dir
):
    import json

    def generation():
        return json.load(open(os.path.join(work_dir, "router", "routes.json")))["generation"]

    before = generation()
    ports = {"app%d" % index: router.test_app_port for index in range(6)}
    try:
        router.add_routes("ahead", ports)
        assert generation() == before + 1
        assert all(http_get(router.port, "%s.ahead.localhost" % app)[0] == 200 for app in ports)
        router.add_route("ahead", "app3", router.test_app_port)  # as a deploy does later
        assert generation() == before + 1
    finally:
        router.remove_routes("ahead")


def _ask_for_route_then_get_killed(router, work_dir, env, app, port):
    """What a `qaeci env up` killed while waiting for the router leaves behind: its route
    change queued, never applied, its process gone."""
    import subprocess
    import sys

    from qaeci.backends.local_locks import file_lock

    lib = os.path.join(os.path.dirname(__file__), "..", "..", "packs", "qaeci", "lib")
    queue = os.path.join(work_dir, "router", "queue")
    before = set(os.listdir(queue)) if os.path.isdir(queue) else set()
    script = (
        "import sys; from qaeci.backends.local import LocalBackend; "
        "LocalBackend(sys.argv[1], router_port=int(sys.argv[2])).router"
        ".add_route(sys.argv[3], sys.argv[4], int(sys.argv[5]))"
    )
    with file_lock(os.path.join(work_dir, "router", "router.lock")):  # the router is busy
        child = subprocess.Popen(
            [sys.executable, "-c", script, work_dir, str(router.port), env, app, str(port)],
            env=dict(os.environ, PYTHONPATH=lib),
        )
        try:
            queued = wait_for(lambda: set(os.listdir(queue)) - before, timeout=20)
        finally:
            child.kill()
            child.wait(timeout=10)
    assert queued, "the route change was never queued"


def test_a_route_change_of_a_killed_process_is_never_applied(router, backend, work_dir):
    _ask_for_route_then_get_killed(router, work_dir, "gone", "web", router.test_app_port)
    backend.destroy("gone")  # env down of the environment whose env up was killed
    router.add_route("next", "web", router.test_app_port)  # any later change of the routes
    try:
        assert "gone" not in router.routes()
        assert http_get(router.port, "web.gone.localhost")[0] == 404
        assert http_get(router.port, "web.next.localhost")[0] == 200
        assert os.listdir(os.path.join(work_dir, "router", "queue")) == []
    finally:
        router.remove_routes("next")
