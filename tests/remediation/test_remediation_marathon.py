"""Item 1 on the Marathon back end, against the Marathon, Mesos master and Mesos agent doubles:
an OOM kill raises the app's memory (capped by the largest agent) and redeploys that app only;
a failed deployment is reported with the tail of its task's sandbox log and its links, retried
only when configured; a flapping app is reported once; a lost agent's apps are followed to
their relaunch and the dependents whose checks fail are redeployed in dependency order."""

import json
import os

import pytest
from cluster_doubles import FRAMEWORK_ID, ClusterDoubles
from qaeci import triggers
from qaeci_testkit import commit_files
from remediation_site import LOGGING_SERVER_PY, Site

API, WEB = "/qaeci/qa1/api", "/qaeci/qa1/web"
LINKS = {
    "sandbox": "https://mesos.example/#/agents/{agent_id}/frameworks/{framework_id}/"
    "executors/{task_id}/browse",
    "logs": "https://kibana.example/app/logs?q=env:{env}+app:{app}",
}


@pytest.fixture
def cluster():
    doubles = ClusterDoubles()
    yield doubles
    doubles.stop()


def marathon_site(tmp_path, cluster, **options):
    site = Site(tmp_path, backend="marathon", clusters=cluster.config(), links=LINKS, **options)
    site.env_up("qa1")
    return site


def running_task(cluster, app_id):
    [(task_id, state, host, port)] = cluster.marathon.tasks(app_id)
    assert state == "TASK_RUNNING"
    return task_id, host


def oom_payload(cluster, app_id, task_id, host):
    """What the Docker events sensor dispatches for the OOM-killed container of the task."""
    return triggers.container_oom(
        "dev",
        app_id,
        task_id,
        host,
        "c0ffee" + task_id[-12:],
        container_name="mesos-" + task_id[-12:],
    )


def test_an_oom_kill_raises_the_memory_and_redeploys_that_app_only(tmp_path, cluster):
    site = marathon_site(tmp_path, cluster)
    task_id, host = running_task(cluster, API)
    web_task, _ = running_task(cluster, WEB)
    [execution] = site.fire("container_oom", oom_payload(cluster, API, task_id, host))
    assert execution["status"] == "succeeded", json.dumps(execution["result"])[:3000]
    assert cluster.app(API)["mem"] == 384.0
    assert running_task(cluster, API)[0] != task_id
    assert running_task(cluster, WEB)[0] == web_task  # its dependent is left as it was
    [posted] = site.chat()
    assert posted["message"] == (
        "qa1/api was killed for running out of memory: memory 256 -> "
        "384 MB, redeployed: healthy, its checks pass"
    )
    # The memory stays raised when a later env up redeploys the app with a new commit.
    commit_files(
        os.path.join(site.root, "repos", "api"), {"server.py": LOGGING_SERVER_PY + "\n# v2\n"}, "v2"
    )
    site.env_up("qa1")
    assert cluster.app(API)["mem"] == 384.0


def test_the_memory_never_goes_above_the_largest_agent(tmp_path, cluster):
    site = marathon_site(tmp_path, cluster, mem=12000, remediation={"max_memory": 20000})
    task_id, host = running_task(cluster, API)
    site.fire("container_oom", oom_payload(cluster, API, task_id, host))
    assert cluster.app(API)["mem"] == 14861.0  # the recorded agents' memory
    second, host = running_task(cluster, API)
    [execution] = site.fire("container_oom", oom_payload(cluster, API, second, host))
    assert execution["result"]["output"]["decision"]["reason"] == (
        "already at its memory ceiling (14861 MB, the largest agent's memory); left to a person"
    )
    assert cluster.app(API)["mem"] == 14861.0
    assert site.chat()[-1]["message"].startswith(
        "qa1/api was killed for running out of memory, and is already at its memory ceiling"
    )


def test_a_memory_limit_failure_reported_by_mesos_is_an_oom_kill_too(tmp_path, cluster):
    site = marathon_site(tmp_path, cluster)
    task_id, host = running_task(cluster, API)
    payload = triggers.task_status(
        "dev",
        API,
        task_id,
        "TASK_FAILED",
        host=host,
        message="Memory limit exceeded: Requested: 256MB Maximum "
        "Used: 256MB\n\nMEMORY STATISTICS: \ncache 1236992",
    )
    executions = site.fire("task_status", payload)
    rules = sorted(e["context"]["rule"]["ref"] for e in executions)
    assert [rule for rule in rules if rule != "qaeci.router_sync"] == [  # the task ended
        "qaeci.remediate_oom_task",
        "qaeci.remediate_task_failure",
    ]
    assert cluster.app(API)["mem"] == 384.0


def fail_task(cluster, app_id, message="Container exited with status 1"):
    """The app's task fails (Marathon keeps it as lastTaskFailure) after writing to its
    sandbox."""
    task_id, host = running_task(cluster, app_id)
    agent_id = dict(cluster.marathon.cluster.agents)[host]
    cluster.write_sandbox(
        task_id,
        stdout="".join("line %d\n" % n for n in range(100)),
        stderr="Traceback (most recent call last):\nValueError: bad config\n",
    )
    cluster.marathon.kill_task(task_id, state="TASK_FAILED", message=message, relaunch=False)
    return task_id, agent_id


def deployment_failed(site, app_id):
    """What the rule on qaeci.deployment starts when Marathon's event stream says the app's
    deployment failed (the trigger type comes with the Marathon events sensor)."""
    payload = triggers.deployment(
        "dev", app_id, "2e4d0b1c-5d7e-4f8a-9b0c-1d2e3f4a5b6c", "failed", reason="Failed to deploy"
    )
    assert "qaeci.deployment_failed_notify" in site.rules_matching("qaeci.deployment", payload)
    return site.remediate("deployment_failed", payload)


def test_a_failed_deployment_is_reported_with_its_sandbox_log_and_links(tmp_path, cluster):
    site = marathon_site(tmp_path, cluster)
    task_id, agent_id = fail_task(cluster, API)
    puts = len(cluster.marathon.requests(method="PUT"))
    execution = deployment_failed(site, API)
    assert execution["status"] == "succeeded"
    assert len(cluster.marathon.requests(method="PUT")) == puts  # no retry by default
    [posted] = site.chat()  # one message per failed deployment
    lines = posted["message"].splitlines()
    assert lines[:4] == [
        "Deployment of api in qa1 failed (cluster dev): Failed to deploy",
        "last task failure: TASK_FAILED on %s: Container exited with status 1"
        % dict((agent, host) for host, agent in cluster.marathon.cluster.agents)[agent_id],
        "deployment: 2e4d0b1c-5d7e-4f8a-9b0c-1d2e3f4a5b6c",
        "decision: reported; no automatic retry (remediation.retry_failed_deployment is false)",
    ]
    assert lines[4:6] == [
        "logs: https://kibana.example/app/logs?q=env:qa1+app:api",
        "sandbox: https://mesos.example/#/agents/%s/frameworks/%s/executors/%s/browse"
        % (agent_id, FRAMEWORK_ID, task_id),
    ]
    assert lines[6:9] == ["sandbox log, last lines:", "```", "==> stdout <=="]
    log = "\n".join(lines[9:])
    assert "line 99\n==> stderr <==\n" in log
    assert "Traceback (most recent call last):\nValueError: bad config" in log
    assert "line 79\n" not in log  # the tail only: remediation.log_lines lines


def test_a_failed_deployment_is_retried_once_when_configured(tmp_path, cluster):
    site = marathon_site(tmp_path, cluster, remediation={"retry_failed_deployment": True})
    fail_task(cluster, API)
    execution = deployment_failed(site, API)
    assert execution["status"] == "succeeded"
    assert running_task(cluster, API)
    (report,) = [posted["message"] for posted in site.chat()]
    assert (
        report.splitlines()[0] == "Deployment of api in qa1 failed (cluster dev): Failed to deploy"
    )
    assert report.splitlines()[-1] == (
        "deployment of qa1/api failed: Failed to deploy: restarted once: healthy, its checks pass"
    )
    fail_task(cluster, API)
    deployment_failed(site, API)  # its retry "failed": no second retry
    assert site.history("api")[0]["reason"] == "reported; its automatic retry failed already"


def test_a_flapping_cluster_app_is_reported_once_and_left_to_marathon(tmp_path, cluster):
    site = marathon_site(tmp_path, cluster, remediation={"flapping_failures": 3})
    task_id, host = running_task(cluster, API)
    cluster.write_sandbox(task_id, stdout="starting\nconnection refused: db\n")
    for number in range(4):
        site.fire(
            "task_status",
            triggers.task_status(
                "dev",
                API,
                "%s-%d" % (task_id, number),
                "TASK_FAILED",
                host=host,
                message="Container exited with status 1",
            ),
        )
    [report] = site.chat()
    assert report["message"].startswith("qa1/api is flapping: 3 failures within 600 s")
    assert "connection refused: db" in report["message"]
    assert [entry["decision"] for entry in site.history("api")] == ["skipped", "skipped"]
    assert running_task(cluster, API)[0] == task_id  # nothing was restarted


def test_after_a_lost_agent_the_dependents_that_fail_are_redeployed(tmp_path, cluster):
    site = marathon_site(tmp_path, cluster, remediation={"relaunch_timeout": 30})
    api_task, lost_host = running_task(cluster, API)
    web_task, _ = running_task(cluster, WEB)
    lost_agent = dict(cluster.marathon.cluster.agents)[lost_host]
    cluster.marathon.kill_task(api_task, state="TASK_LOST", message="agent removed")
    cluster.marathon.kill_task(web_task, relaunch=False)  # web is down since api moved
    payload = triggers.agent_change("dev", lost_agent, lost_host, "left", False, {"mem": 14861})
    [execution] = site.fire("agent_change", payload)
    assert execution["status"] == "succeeded", json.dumps(execution["result"])[:2000]
    new_api, new_host = running_task(cluster, API)
    assert new_host != lost_host and running_task(cluster, WEB)
    [posted] = site.chat()
    assert posted["message"].startswith(
        "agent %s of dev left (tasks of qa1: api): qa1: api "
        "relaunched on %s:" % (lost_host, new_host)
    )
    assert posted["message"].endswith(
        "redeployed web: healthy, its checks pass; every app's checks pass"
    )
