"""router_sync's library: the nginx routes of an environment on a cluster without marathon-lb,
rendered from the Marathon double's running tasks, written atomically, reloaded only when they
changed, checked before they replace the old ones; and, with a real nginx, the route following
a task relaunched on another agent."""

import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from qaeci.backends.marathon_client import MarathonClient
from qaeci.cluster_router import RouterSyncError, sync_routes
from qaeci.config import PackConfig
from qaeci.errors import ConfigError

from tests.marathon_sensor.stream_helpers import CREDENTIALS

DOMAIN = "qa.example.com"


def pack_config(tmp_path, marathon, **cluster):
    settings = {"marathon_url": marathon.url, "marathon_auth": CREDENTIALS}
    settings.update(cluster)
    return PackConfig(
        {"registry_path": str(tmp_path), "domain": DOMAIN, "clusters": {"dev": settings}}
    )


def reload_logger(tmp_path):
    """A reload command that records each run, and how to count them."""
    log = tmp_path / "reloads.log"
    command = "%s -c %s" % (
        shlex.quote(sys.executable),
        shlex.quote("open(%r, 'a').write('reload\\n')" % str(log)),
    )
    return command, lambda: log.read_text().count("reload") if log.exists() else 0


def deploy(marathon, app_id, instances=1, **definition):
    MarathonClient("dev", marathon.url, CREDENTIALS).put_app(
        app_id, dict({"id": app_id, "cmd": "serve", "instances": instances}, **definition)
    )
    marathon.wait_for(
        lambda: len([t for t in marathon.tasks(app_id) if t[1] == "TASK_RUNNING"]) == instances
    )


def upstreams(marathon, app_id):
    return sorted(
        "%s:%d" % (task[2], task[3]) for task in marathon.tasks(app_id) if task[1] == "TASK_RUNNING"
    )


def test_with_marathon_lb_nothing_is_written(tmp_path, marathon):
    result = sync_routes(pack_config(tmp_path, marathon), "dev", "e1")
    assert (result["changed"], result["path"]) == (False, None)
    assert "routes APP.ENV.qa.example.com through marathon-lb" in result["message"]
    assert "set clusters.dev.marathon_lb: false" in result["message"]
    local = sync_routes(pack_config(tmp_path, marathon), "local", "e1")
    assert "local back end routes" in local["message"]


def test_a_cluster_without_marathon_lb_needs_its_router_settings(tmp_path, marathon):
    with pytest.raises(ConfigError, match="clusters.dev.router needs dir and reload"):
        sync_routes(pack_config(tmp_path, marathon, marathon_lb=False), "dev", "e1")
    with pytest.raises(ConfigError, match="cluster prod is not in the pack config"):
        sync_routes(pack_config(tmp_path, marathon), "prod", "e1")


def test_routes_follow_the_running_tasks_and_reload_only_on_change(tmp_path, marathon):
    reload, reloads = reload_logger(tmp_path)
    router = {"dir": str(tmp_path / "nginx"), "reload": reload, "listen": "8081"}
    config = pack_config(tmp_path, marathon, marathon_lb=False, router=router)
    deploy(marathon, "/qaeci/e1/f-tts-java", instances=2)
    deploy(marathon, "/qaeci/e1/svc.mysql")
    deploy(marathon, "/qaeci/e2/web")
    result = sync_routes(config, "dev", "e1")
    assert (result["changed"], result["reloaded"], reloads()) == (True, True, 1)
    assert result["routes"] == {"f_tts_java": upstreams(marathon, "/qaeci/e1/f-tts-java")}
    text = open(result["path"]).read()
    assert result["path"] == str(tmp_path / "nginx" / "e1.conf")
    assert "server_name f-tts-java.e1.qa.example.com;" in text and "listen 8081;" in text
    for server in upstreams(marathon, "/qaeci/e1/f-tts-java"):
        assert "server %s;" % server in text
    assert "mysql" not in text and "e2" not in text
    assert sync_routes(config, "dev", "e1")["changed"] is False and reloads() == 1

    old = marathon.tasks("/qaeci/e1/f-tts-java")[0]
    marathon.kill_task(old[0])
    marathon.wait_for(lambda: len(upstreams(marathon, "/qaeci/e1/f-tts-java")) == 2)
    result = sync_routes(config, "dev", "e1")
    assert result["changed"] and reloads() == 2
    text = open(result["path"]).read()
    assert "server %s:%d;" % (old[2], old[3]) not in text
    for server in upstreams(marathon, "/qaeci/e1/f-tts-java"):
        assert "server %s;" % server in text
    assert oct(os.stat(result["path"]).st_mode & 0o777) == "0o644"


def test_an_app_without_a_running_task_answers_503_and_an_empty_env_loses_its_file(
    tmp_path, marathon
):
    reload, reloads = reload_logger(tmp_path)
    config = pack_config(
        tmp_path,
        marathon,
        marathon_lb=False,
        router={"dir": str(tmp_path / "nginx"), "reload": reload},
    )
    marathon.starve("/qaeci/e1/web")  # no offer fits: its task waits in the queue
    MarathonClient("dev", marathon.url, CREDENTIALS).put_app(
        "/qaeci/e1/web", {"id": "/qaeci/e1/web", "cmd": "serve"}
    )
    result = sync_routes(config, "dev", "e1")
    assert result["routes"] == {"web": []}
    assert "return 503;" in open(result["path"]).read()
    MarathonClient("dev", marathon.url, CREDENTIALS).delete_app("/qaeci/e1/web")
    marathon.wait_for(lambda: marathon.apps() == [])
    result = sync_routes(config, "dev", "e1")
    assert result["changed"] and not os.path.exists(result["path"]) and reloads() == 2


def test_a_config_the_check_refuses_is_not_kept_nor_loaded(tmp_path, marathon):
    reload, reloads = reload_logger(tmp_path)
    router = {"dir": str(tmp_path / "nginx"), "reload": reload}
    deploy(marathon, "/qaeci/e1/web")
    first = sync_routes(
        pack_config(tmp_path, marathon, marathon_lb=False, router=router), "dev", "e1"
    )
    before = open(first["path"]).read()
    deploy(marathon, "/qaeci/e1/api")
    refusing = dict(
        router,
        check="%s -c 'import sys; print(\"emerg: bad\"); sys.exit(1)'"
        % shlex.quote(sys.executable),
    )
    with pytest.raises(
        RouterSyncError,
        match="router check command .* failed with exit 1: "
        "emerg: bad; the previous .*e1.conf was kept",
    ):
        sync_routes(
            pack_config(tmp_path, marathon, marathon_lb=False, router=refusing), "dev", "e1"
        )
    assert open(first["path"]).read() == before and reloads() == 1


# -- with a real nginx ------------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def nginx_binary():
    for candidate in ("/usr/sbin/nginx", "/usr/bin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    pytest.skip("nginx is not installed (scripts/install-system-deps.sh installs it)")


@pytest.fixture
def nginx(tmp_path):
    """A real nginx on 127.0.0.1:PORT that includes the router dir; its commands."""
    binary, root, port = nginx_binary(), tmp_path / "nginx-root", free_port()
    (root / "logs").mkdir(parents=True)
    (root / "routes").mkdir()
    conf = root / "nginx.conf"
    conf.write_text(
        "\n".join(
            [
                "pid %s/nginx.pid;" % root,
                "error_log %s/logs/error.log warn;" % root,
                "user root;" if os.geteuid() == 0 else "",
                "events { worker_connections 64; }",
                "http {",
                "  access_log off;",
                "  client_body_temp_path %s/tmp-body; proxy_temp_path %s/tmp-proxy;" % (root, root),
                "  fastcgi_temp_path %s/tmp-fcgi; uwsgi_temp_path %s/tmp-uwsgi;" % (root, root),
                "  scgi_temp_path %s/tmp-scgi;" % root,
                "  server { listen 127.0.0.1:%d default_server; return 404; }" % port,
                "  include %s/routes/*.conf;" % root,
                "}",
                "",
            ]
        )
    )
    command = "%s -p %s/ -c %s" % (binary, root, conf)
    subprocess.run(shlex.split(command), check=True, timeout=30)
    yield {
        "dir": str(root / "routes"),
        "port": port,
        "reload": command + " -s reload",
        "check": command + " -t -q",
    }
    subprocess.run(shlex.split(command + " -s quit"), timeout=30)


def through_nginx(port, host):
    request = urllib.request.Request("http://127.0.0.1:%d/" % port, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.read().decode()
    except OSError as error:
        return str(error)


def wait_answer(port, host, expected):
    deadline = time.monotonic() + 15
    while True:
        answer = through_nginx(port, host)
        if answer.startswith(expected):
            return answer
        if time.monotonic() > deadline:
            raise AssertionError("nginx answered %r, not %s..." % (answer, expected))
        time.sleep(0.05)


@pytest.mark.e2e
def test_a_real_nginx_follows_a_task_relaunched_on_another_agent(tmp_path, marathon, nginx):
    router = {
        "dir": nginx["dir"],
        "reload": nginx["reload"],
        "check": nginx["check"],
        "listen": "127.0.0.1:%d" % nginx["port"],
    }
    config = pack_config(tmp_path, marathon, marathon_lb=False, router=router)
    deploy(marathon, "/qaeci/e1/web")
    [(task_id, _, host, _)] = marathon.tasks("/qaeci/e1/web")
    sync_routes(config, "dev", "e1")
    wait_answer(nginx["port"], "web.e1.qa.example.com", task_id)  # the task answers its id

    new_task = marathon.kill_task(task_id)
    marathon.wait_for(lambda: [t[1] for t in marathon.tasks("/qaeci/e1/web")] == ["TASK_RUNNING"])
    assert marathon.tasks("/qaeci/e1/web")[0][2] != host  # another agent
    assert sync_routes(config, "dev", "e1")["reloaded"]
    wait_answer(nginx["port"], "web.e1.qa.example.com", new_task)
