"""The qaeci pack's deployment_failed_notify rule on st2lite, end to end: a failed deployment
fired as the Marathon sensor dispatches it becomes one chat message (qaeci.remediate, kind
deployment_failed), which the rule remediation_post hands to chatops.post_message, and st2lite's
chatops pack announces it to the configured channel for the chat bot."""

import json

import pytest
import yaml
from announcement_cli import REPO_PACKS, Cli
from qaeci.backends.marathon_client import MarathonClient

from tests.doubles.marathon import MarathonDouble

CREDENTIALS = "qaeci:secret"


@pytest.fixture
def marathon():
    with MarathonDouble(credentials=CREDENTIALS, start_delay=0.01) as double:
        yield double


@pytest.fixture
def site(tmp_path, marathon):
    state = tmp_path / "state"
    (state / "configs").mkdir(parents=True)
    config = {
        "registry_path": str(tmp_path),
        "domain": "qa.example.com",
        "clusters": {"dev": {"marathon_url": marathon.url, "marathon_auth": CREDENTIALS}},
        "notify": {"channel": "#qa-envs"},
        "links": {
            "logs": "https://kibana.example/app/discover?q=env:{env}+app:{app}",
            "metrics": "https://grafana.example/d/qaeci?var-commit={commit}",
        },
    }
    (state / "configs" / "qaeci.yaml").write_text(yaml.safe_dump(config))
    return Cli(state, packs=[REPO_PACKS])


def test_a_failed_deployment_is_announced_to_the_configured_channel(site, marathon):
    MarathonClient("dev", marathon.url, CREDENTIALS).put_app(
        "/qaeci/e1/api",
        {"id": "/qaeci/e1/api", "cmd": "serve", "labels": {"qaeci.commit": "7f3c2a1"}},
    )
    failed = {
        "cluster": "dev",
        "env": "e1",
        "app": "api",
        "app_id": "/qaeci/e1/api",
        "deployment_id": "d-17",
        "status": "failed",
        "reason": "Failed to deploy",
        "reconciled": False,
        "timestamp": "2023-09-05T08:13:20.090Z",
    }
    rc, fired = site.json("trigger", "fire", "qaeci.deployment", "--payload", json.dumps(failed))
    assert rc == 0, fired
    # the remediation rule (issue 11) acts on the same trigger; this test is about the notice
    assert ("qaeci.deployment_failed_notify", "succeeded") in [
        (e["rule"], e["status"]) for e in fired["enforcements"]
    ]

    [announcement] = site.announcements("--route", "chatops")
    assert announcement["payload"]["channel"] == "#qa-envs"
    assert announcement["payload"]["message"].splitlines() == [
        "Deployment of api in e1 failed (cluster dev): Failed to deploy",
        "deployment: d-17",
        "decision: reported; no automatic retry (remediation.retry_failed_deployment is false)",
        "logs: https://kibana.example/app/discover?q=env:e1+app:api",
        "metrics: https://grafana.example/d/qaeci?var-commit=7f3c2a1",
        "no log to show",
    ]
    [posted] = site.json("execution", "list", "--action", "chatops.post_message")[1]
    assert posted["context"]["rule"]["ref"] == "qaeci.remediation_post"


def test_a_successful_deployment_announces_nothing(site):
    success = {
        "cluster": "dev",
        "env": "e1",
        "app": "api",
        "app_id": "/qaeci/e1/api",
        "deployment_id": "d-18",
        "status": "success",
        "reason": None,
        "reconciled": False,
        "timestamp": "2023-09-05T08:13:20.090Z",
    }
    rc, fired = site.json("trigger", "fire", "qaeci.deployment", "--payload", json.dumps(success))
    assert (rc, fired["enforcements"]) == (0, [])
    assert site.announcements() == []
