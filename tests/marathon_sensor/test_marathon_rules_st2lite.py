"""The rules on the sensor's triggers, run by st2lite as outside checks run them: the payloads
the sensor dispatched for real changes in the Marathon double are fired with `st2lite trigger
fire`, and the effects asserted - the nginx routes following a relaunched task (router_sync),
the chat message of a failed deployment (deployment_failed_notify runs qaeci.remediate, then
remediation_post posts its message with chatops.post_message, st2lite's built-in chatops pack,
whose announcement a chat bot would get: `st2lite announcement list` shows it)."""

import json
import os
import shlex
import subprocess
import sys

import pytest
import yaml
from qaeci.backends.marathon_client import MarathonClient

from tests.doubles.payloads import load_json
from tests.marathon_sensor.stream_helpers import CREDENTIALS, Watching

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")
LINKS = {
    "console": "http://marathon-{deploy_type}.example/ui/#/apps/{app_id}",
    "sandbox": "http://mesos-{deploy_type}.example:5050/#/agents/{agent_id}/frameworks/"
    "{framework_id}/executors/{task_id}/browse",
    "logs": "https://kibana.example/app/discover?q=env:{env}+app:{app}",
    "metrics": "https://grafana.example/d/qaeci?var-env={env}&var-app={app}&var-commit={commit}",
}


@pytest.fixture
def site(tmp_path, marathon):
    state = tmp_path / "state"
    (state / "configs").mkdir(parents=True)
    reloads = tmp_path / "reloads.log"
    reload = "%s -c %s" % (
        shlex.quote(sys.executable),
        shlex.quote("open(%r, 'a').write('reload\\n')" % str(reloads)),
    )
    config = {
        "registry_path": str(tmp_path),
        "domain": "qa.example.com",
        "clusters": {
            "dev": {
                "marathon_url": marathon.url,
                "marathon_auth": CREDENTIALS,
                "marathon_lb": False,
                "router": {"dir": str(tmp_path / "routes"), "reload": reload},
            }
        },
        "notify": {"channel": "#qa-envs"},
        "links": LINKS,
    }
    (state / "configs" / "qaeci.yaml").write_text(yaml.safe_dump(config))
    return {"state": str(state), "routes": tmp_path / "routes", "reloads": reloads}


def st2lite(site, *args):
    command = (
        [ST2LITE, "--packs", os.path.join(REPO, "packs"), "--state", site["state"]]
        + list(args)
        + ["--json"]
    )
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, ST2LITE_USER="tester"),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def fire(site, ref, payload):
    fired = st2lite(site, "trigger", "fire", ref, "--payload", json.dumps(payload))
    return [(e["rule"], e["status"], e["execution"]) for e in fired["enforcements"]]


def result_of(site, execution):
    found = st2lite(site, "execution", "get", execution)
    assert found["status"] == "succeeded", found
    return found["result"]["result"]


def workflow_output(site, execution):
    found = st2lite(site, "execution", "get", execution)
    assert found["status"] == "succeeded", found
    return found["result"]["output"]


def running_payload(watching, task_id):
    watching.recorder.wait_for(
        lambda: any(
            p["task_id"] == task_id and p["state"] == "TASK_RUNNING"
            for p in watching.recorder.of("task_status")
        )
    )
    return [
        p
        for p in watching.recorder.of("task_status")
        if p["task_id"] == task_id and p["state"] == "TASK_RUNNING"
    ][-1]


def test_router_sync_moves_the_upstream_to_the_relaunched_task(site, marathon):
    with Watching(marathon.url) as watching:
        watching.wait_connected()
        MarathonClient("dev", marathon.url, CREDENTIALS).put_app(
            "/qaeci/e1/web", {"id": "/qaeci/e1/web", "cmd": "serve"}
        )
        marathon.wait_for(
            lambda: [t[1] for t in marathon.tasks("/qaeci/e1/web")] == ["TASK_RUNNING"]
        )
        [(first, _, host, port)] = marathon.tasks("/qaeci/e1/web")
        [(rule, status, execution)] = fire(
            site, "qaeci.task_status", running_payload(watching, first)
        )
        assert (rule, status) == ("qaeci.router_sync", "succeeded")
        assert result_of(site, execution)["routes"] == {"web": ["%s:%d" % (host, port)]}
        conf = site["routes"] / "e1.conf"
        assert "server %s:%d;" % (host, port) in conf.read_text()

        second = marathon.kill_task(first)
        killed = [p for p in watching.recorder.of("task_status") if p["task_id"] == first][-1]
        staging = dict(killed, task_id=second, state="TASK_STAGING")
        assert fire(site, "qaeci.task_status", staging) == []  # not a routing change
        assert fire(site, "qaeci.task_status", dict(killed, env=None, app=None)) == []
        payload = running_payload(watching, second)
        [(rule, status, execution)] = fire(site, "qaeci.task_status", payload)
        [(_, _, new_host, new_port)] = marathon.tasks("/qaeci/e1/web")
        assert (payload["host"], payload["ports"]) == (new_host, [new_port])
        assert new_host != host
        text = conf.read_text()
        assert "server %s:%d;" % (new_host, new_port) in text
        assert "server %s:%d;" % (host, port) not in text
        assert site["reloads"].read_text().count("reload") == 2


def test_a_failed_deployment_is_posted_with_its_reason_and_links(site, marathon):
    with Watching(marathon.url) as watching:
        watching.wait_connected()
        marathon.fail_tasks("/qaeci/e1/api", "Container exited with status 1")
        MarathonClient("dev", marathon.url, CREDENTIALS).put_app(
            "/qaeci/e1/api",
            {"id": "/qaeci/e1/api", "cmd": "serve", "labels": {"qaeci.commit": "7f3c2a1"}},
        )
        marathon.wait_for(
            lambda: any(
                e["taskStatus"] == "TASK_FAILED" for e in marathon.events("status_update_event")
            )
        )
        marathon.fail_deployment(app_id="/qaeci/e1/api", reason="Failed to deploy: tasks fail")
        watching.recorder.wait_for(
            lambda: any(p["status"] == "failed" for p in watching.recorder.of("deployment"))
        )
        [failed] = [p for p in watching.recorder.of("deployment") if p["status"] == "failed"]
        [(rule, status, execution)] = fire(site, "qaeci.deployment", failed)
        assert (rule, status) == ("qaeci.deployment_failed_notify", "succeeded")
        notice = workflow_output(site, execution)

    failure = MarathonClient("dev", marathon.url, CREDENTIALS).app("/qaeci/e1/api")[
        "lastTaskFailure"
    ]
    framework = load_json("marathon", "rest", "info_get.json")["frameworkId"]
    assert notice["channel"] == "#qa-envs"
    assert notice["message"].splitlines() == [
        "Deployment of api in e1 failed (cluster dev): Failed to deploy: tasks fail",
        "last task failure: TASK_FAILED on %s: Container exited with status 1" % failure["host"],
        "deployment: %s" % failed["deployment_id"],
        "decision: reported; no automatic retry (remediation.retry_failed_deployment is false)",
        "console: http://marathon-dev.example/ui/#/apps/%2Fqaeci%2Fe1%2Fapi",
        "logs: https://kibana.example/app/discover?q=env:e1+app:api",
        "metrics: https://grafana.example/d/qaeci?var-env=e1&var-app=api&var-commit=7f3c2a1",
        "sandbox: http://mesos-dev.example:5050/#/agents/%s/frameworks/%s/executors/%s/browse"
        % (failure["slaveId"], framework, failure["taskId"]),
        "no log to show",
    ]
    [posted] = st2lite(site, "execution", "list", "--action", "chatops.post_message")
    assert posted["status"] == "succeeded"
    assert posted["context"]["rule"]["ref"] == "qaeci.remediation_post"
    assert (posted["parameters"]["channel"], posted["parameters"]["message"]) == (
        "#qa-envs",
        notice["message"],
    )
    [announced] = st2lite(site, "announcement", "list", "--route", "chatops")
    assert (announced["payload"]["channel"], announced["payload"]["message"]) == (
        "#qa-envs",
        notice["message"],
    )
    assert announced["delivered_at"] is None  # no chat bot has taken it yet


def test_only_failures_of_our_apps_are_notified(site, marathon):
    payload = {
        "cluster": "dev",
        "env": "e1",
        "app": "api",
        "app_id": "/qaeci/e1/api",
        "deployment_id": "d1",
        "status": "success",
        "reason": None,
        "reconciled": False,
        "timestamp": "2023-09-05T08:13:20.090Z",
    }
    assert fire(site, "qaeci.deployment", payload) == []
    assert (
        fire(
            site,
            "qaeci.deployment",
            dict(payload, status="failed", env=None, app=None, app_id="/infra/lb"),
        )
        == []
    )
