"""The environment lifecycle end to end on the Marathon back end: `st2lite run qaeci.env_up`
with `backend: marathon`, against the Marathon double (its tasks answer HTTP on loopback
agents, its fetcher reads the file:// artifact store).

The tests share one site and run in file order: e1 comes up in the first and stays up until
the last takes it down; e2 lives only inside the failing-deployment test."""

import json
import os
import tarfile
import urllib.parse

import pytest
from marathon_site import APPS, CREATOR, DOMAIN, ENV, actions_run, app_id, outcomes, why

pytestmark = pytest.mark.e2e

OUTPUT_KEYS = {"env", "template", "deploy_type", "creator", "apps", "services"}
FRAMEWORK_ID = "7e3a1c0f-2b1d-4c8e-9f3a-5d6b7c8d9e0f-0001"  # the double's /v2/info
SECOND_ENV = "e2"


ORDER_SVC_SAYS = "order_svc: 3 pending orders replayed"
API_DIES_WITH = "java.sql.SQLException: Access denied for user 'api'@'127.0.0.2'"


@pytest.fixture(scope="module")
def first_up(site, marathon):
    marathon.app_prints(app_id("order_svc"), ORDER_SVC_SAYS)
    return site.env_up()


def running_task(marathon, app):
    """(task id, host, port) of the app's one running task."""
    tasks = [task for task in marathon.tasks(app) if task[1] == "TASK_RUNNING"]
    assert len(tasks) == 1, marathon.tasks(app)
    task_id, _, host, port = tasks[0]
    return task_id, host, port


def public_url(code, env=ENV):
    return "http://%s.%s.%s/" % (code.replace("_", "-"), env, DOMAIN)


def fetched(definition, dest_path):
    """The local path of the fetch URI the task gets as DEST_PATH (the store is file://)."""
    uri = next(item["uri"] for item in definition["fetch"] if item["destPath"] == dest_path)
    assert uri.startswith("file://"), uri
    return urllib.parse.unquote(uri[len("file://") :])


def test_env_up_runs_every_app_as_a_marathon_app(site, marathon, first_up):
    code, execution = first_up
    assert code == 0 and execution["status"] == "succeeded", why(execution)
    output = execution["result"]["output"]
    assert set(output) == OUTPUT_KEYS
    assert (output["env"], output["deploy_type"], output["creator"]) == (ENV, "dev", CREATOR)
    for code_ in APPS:
        entry = output["apps"][code_]
        assert (entry["status"], entry["built"], entry["deployed"]) == ("healthy", True, True)
        assert entry["url"] == public_url(code_)
        labels = marathon.definition(app_id(code_))["labels"]
        assert labels["qaeci.env"] == ENV and labels["qaeci.app"] == code_
        assert labels["qaeci.commit"] == entry["commit"] and len(entry["commit"]) == 40
        assert labels["HAPROXY_0_VHOST"] == public_url(code_)[len("http://") : -1]
        running_task(marathon, app_id(code_))
    for name in ("mysql", "redis"):
        _, host, port = running_task(marathon, app_id("svc." + name))
        assert output["services"][name] == {"status": "healthy", "host": host, "port": port}
    assert marathon.apps() == sorted(
        [app_id(code_) for code_ in APPS] + [app_id("svc.mysql"), app_id("svc.redis")]
    )


def test_the_task_fetches_its_artifact_and_the_config_rendered_for_the_cluster(
    site, marathon, first_up
):
    api_host_port = "%s:%s" % running_task(marathon, app_id("svc.mysql"))[1:]
    rendered = {
        "web": "web calls http://api.%s.%s" % (ENV, DOMAIN),
        "api": "api in %s db=%s" % (ENV, api_host_port),
    }
    for code_, text in rendered.items():
        definition = marathon.definition(app_id(code_))
        artifact = fetched(definition, "artifact.tar.gz")
        with tarfile.open(artifact) as archive:
            assert "server.py" in archive.getnames()
        with tarfile.open(fetched(definition, "config.tar.gz")) as archive:
            assert archive.extractfile("app.conf").read().decode() == text
        assert definition["args"] == ["bash", "-c", "exec python3 server.py"]
        assert "healthChecks" not in definition  # qaeci checks the task itself


def test_env_status_and_env_info_say_where_each_task_runs(site, marathon, first_up):
    status = site.env_status()

    assert outcomes(status) == {code_: "healthy" for code_ in APPS}
    for code_ in APPS:
        _, host, port = running_task(marathon, app_id(code_))
        assert (status["apps"][code_]["host"], status["apps"][code_]["port"]) == (host, port)
        assert status["apps"][code_]["url"] == public_url(code_)
    assert {name: entry["status"] for name, entry in status["services"].items()} == {
        "mysql": "healthy",
        "redis": "healthy",
    }

    info = site.env_info("order_svc")
    task_id, host, port = running_task(marathon, app_id("order_svc"))
    assert (info["status"], info["host"], info["port"]) == ("healthy", host, port)
    assert info["url"] == public_url("order_svc") and info["deployed_by"] == CREATOR
    assert info["ids"]["app_id"] == app_id("order_svc") and info["ids"]["task_id"] == task_id
    assert info["ids"]["framework_id"] == FRAMEWORK_ID
    assert info["ids"]["agent_id"].startswith(FRAMEWORK_ID[:-5])
    assert info["started_at"] and info["log_of"] == "app"
    # The tail of the task's own output, from its Mesos sandbox.
    log = info["log_tail"].splitlines()
    assert log[:2] == ["==> stdout <==", ORDER_SVC_SAYS]
    assert log[2].endswith("INFO  order-svc started on port %d" % port)
    assert "==> stderr <==" in log and log[-1].endswith("] Starting task %s" % task_id)
    assert info["links"]["sandbox"] == (
        "https://mesos.example/#/agents/%s/frameworks/%s/executors/%s/browse"
        % (info["ids"]["agent_id"], FRAMEWORK_ID, task_id)
    )
    sandbox = info["ids"]["sandbox"]
    assert sandbox.endswith(
        "/frameworks/%s/executors/%s/runs/%s" % (FRAMEWORK_ID, task_id, sandbox.rsplit("/", 1)[-1])
    )
    assert info["links"]["sandbox_files"] == "https://mesos.example/#/agents/%s/browse?path=%s" % (
        info["ids"]["agent_id"],
        urllib.parse.quote(sandbox, safe=""),
    )


def test_env_up_again_changes_nothing(site, marathon, first_up):
    changes = len(marathon.requests("PUT")) + len(marathon.requests("DELETE"))

    code, execution = site.env_up()

    assert code == 0, why(execution)
    assert {
        code_: (entry["status"], entry["built"], entry["deployed"])
        for code_, entry in execution["result"]["output"]["apps"].items()
    } == {code_: ("healthy", False, False) for code_ in APPS}
    assert not {"qaeci.app_build", "qaeci.app_deploy"} & set(actions_run(execution, site))
    assert len(marathon.requests("PUT")) + len(marathon.requests("DELETE")) == changes


def test_a_task_killed_and_relaunched_on_another_host_is_followed(site, marathon, first_up):
    old_task, old_host, old_port = running_task(marathon, app_id("web"))

    new_task = marathon.kill_task(old_task)
    marathon.wait_for(
        lambda: (new_task, "TASK_RUNNING") in [task[:2] for task in marathon.tasks(app_id("web"))]
    )

    _, new_host, new_port = running_task(marathon, app_id("web"))
    assert new_host != old_host
    web = site.env_status()["apps"]["web"]
    assert (web["status"], web["host"], web["port"]) == ("healthy", new_host, new_port)
    assert site.env_info("web")["ids"]["task_id"] == new_task
    # Its checks pass where it runs now: the next env up leaves it alone.
    code, execution = site.env_up("apps=web")
    assert code == 0, why(execution)
    assert execution["result"]["output"]["apps"]["web"]["deployed"] is False


def test_a_deploy_waits_out_another_deployment_holding_the_app(site, marathon, first_up):
    commit = site.commit_to("web", "a change deployed while another deployment holds web")
    holder = marathon.hold_app(app_id("web"))
    runner = site.start("qaeci.env_up", "env=" + ENV, "template=shop")
    try:
        marathon.wait_for(lambda: marathon.requests("PUT", 409), timeout=120)
        assert runner.poll() is None, "env up ended while web was locked"
    finally:
        marathon.release(holder)
    out, err = runner.communicate(timeout=300)

    execution = json.loads(out)
    assert execution["status"] == "succeeded", why(execution)
    assert set(marathon.requests("PUT", 409)) == {("PUT", "/v2/apps" + app_id("web"), 409)}
    apps = execution["result"]["output"]["apps"]
    assert [code_ for code_ in APPS if apps[code_]["deployed"]] == ["web"]
    assert apps["web"]["commit"] == commit
    assert marathon.definition(app_id("web"))["labels"]["qaeci.commit"] == commit


def test_a_failing_deployment_is_reported_and_its_dependents_skipped(site, marathon):
    marathon.fail_tasks(app_id("api", SECOND_ENV), "Container exited with status 1")
    marathon.app_prints(app_id("api", SECOND_ENV), API_DIES_WITH, stream="stderr")
    try:
        code, execution = site.run("qaeci.env_up", "env=" + SECOND_ENV, "template=shop")

        assert code == 1 and execution["status"] == "failed"
        apps = execution["result"]["output"]["apps"]
        assert (apps["api"]["status"], apps["api"]["stage"]) == ("failed", "deploy")
        assert "TASK_FAILED" in apps["api"]["reason"]
        assert "Container exited with status 1" in apps["api"]["reason"]
        # The report shows what the failed task itself wrote, from its sandbox.
        report_log = apps["api"]["log_tail"].splitlines()
        assert report_log[0] == "==> stderr <==" and API_DIES_WITH in report_log
        assert report_log[-1].endswith("] Container exited with status 1")
        assert (
            apps["web"]
            == apps["order_svc"]
            == {"status": "skipped", "reason": "depends on api, which failed"}
        )
        assert apps["jobs"] == {"status": "skipped", "reason": "depends on web, which failed"}
        # The failed app stays as it failed, for people to look at; nothing else was started.
        api = app_id("api", SECOND_ENV)
        assert "TASK_RUNNING" not in [task[1] for task in marathon.tasks(api)]
        assert [
            app
            for app in marathon.apps()
            if app.startswith("/qaeci/%s/" % SECOND_ENV) and "svc." not in app
        ] == [api]
        info = site.run("qaeci.env_info", "env_name=" + SECOND_ENV, "app=api")[1]
        assert info["result"]["result"]["status"] == "failed"
        assert info["result"]["result"]["ids"]["task_id"].startswith("qaeci_e2_api.instance-")
        assert API_DIES_WITH in info["result"]["result"]["log_tail"].splitlines()

        marathon.heal_tasks(api)
        code, execution = site.run("qaeci.env_up", "env=" + SECOND_ENV, "template=shop")
        assert code == 0, why(execution)
        assert outcomes(execution["result"]["output"]) == {code_: "healthy" for code_ in APPS}
    finally:
        marathon.heal_tasks(app_id("api", SECOND_ENV))
        code, execution = site.run("qaeci.env_down", "env=" + SECOND_ENV)
    assert code == 0, execution["result"]
    assert not [app for app in marathon.apps() if app.startswith("/qaeci/%s/" % SECOND_ENV)]
    assert "/qaeci/" + SECOND_ENV not in marathon.groups()
    assert outcomes(site.env_status()) == {code_: "healthy" for code_ in APPS}  # e1 untouched


def test_env_down_leaves_no_app_and_no_group(site, marathon, first_up):
    code, execution = site.run("qaeci.env_down", "env=" + ENV)

    assert code == 0, execution["result"]
    assert sorted(execution["result"]["output"]["removed"]) == APPS
    assert marathon.apps() == []
    assert [group for group in marathon.groups() if group.startswith("/qaeci/")] == []
    code, listing = site.run("qaeci.env_list")
    assert listing["result"]["result"] == {"environments": []}
    assert not os.path.exists(os.path.join(site.work_dir, "releases", ENV))
