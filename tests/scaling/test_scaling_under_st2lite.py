"""qaeci.cluster_scale_out and the scaling rules run by st2lite as StackStorm runs them: a step
above the approval threshold pauses on core.ask until `st2lite inquiry respond` (as `st2 inquiry
respond`) says yes or no; below it the agents are added at once; the rules start scale out and in."""

import json
import os
import subprocess
import sys
import time

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")
WAIT_SECONDS = 60
PACKS = [
    os.path.join(REPO, "packs"),
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "packs"),
]  # + a chatops stand-in


class Cli(object):
    def __init__(self, state):
        self.state = state

    def argv(self, *args):
        packs = [part for path in PACKS for part in ("--packs", path)]
        return [ST2LITE] + packs + ["--state", self.state] + list(args)

    def json(self, *args):
        proc = subprocess.run(
            self.argv(*args) + ["--json"],
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
            env=dict(os.environ, ST2LITE_USER="alice"),
        )
        try:
            return proc.returncode, json.loads(proc.stdout)
        except ValueError as error:
            raise AssertionError(
                "not JSON (rc=%s): %s %s" % (proc.returncode, proc.stdout, proc.stderr)
            ) from error

    def respond(self, inquiry_id, response):
        return subprocess.run(
            self.argv("inquiry", "respond", inquiry_id, "-r", json.dumps(response)),
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
            env=dict(os.environ, ST2LITE_USER="alice"),
        )

    def wait_done(self, execution_id):
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            rc, execution = self.json("execution", "get", execution_id)
            if execution["status"] in ("succeeded", "failed"):
                return execution
            assert time.monotonic() < deadline, "still %s" % execution["status"]
            time.sleep(0.2)


@pytest.fixture
def cli(site, tmp_path):
    state = str(tmp_path / "state")
    os.makedirs(os.path.join(state, "configs"))
    config = site.config(approval_above=1, chat_channel="#qa-ops")
    config["work_dir"] = str(tmp_path / "work")
    with open(os.path.join(state, "configs", "qaeci.yaml"), "w") as handle:
        yaml.safe_dump(config, handle)
    with open(os.path.join(state, "configs", "chatops.yaml"), "w") as handle:
        yaml.safe_dump({"outbox": str(tmp_path / "outbox")}, handle)
    cli = Cli(state)
    cli.outbox = str(tmp_path / "outbox")
    return cli


def posted(cli, wanted):
    """The chat messages posted, once one contains WANTED (a bounded wait: rules run apart)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            with open(cli.outbox) as handle:
                messages = [json.loads(line) for line in handle]
        except FileNotFoundError:
            messages = []
        if any(wanted in message["message"] for message in messages):
            return messages
        assert time.monotonic() < deadline, "never posted: %s (%s)" % (wanted, messages)
        time.sleep(0.1)


def paused_scale_out(cli, site, count_queued):
    site.queue("/qaeci/qa1/web", count_queued, cpus=1.0, mem=512)
    rc, workflow = cli.json(
        "run",
        "qaeci.cluster_scale_out",
        "trigger=" + json.dumps({"cluster": "dev", "level": "high"}),
    )
    assert rc == 0, workflow
    assert workflow["status"] == "paused", workflow
    (ask,) = [child for child in workflow["children"] if child["task"] == "ask"]
    return workflow, ask


def test_an_approved_step_adds_the_agents_and_says_so(cli, site):
    workflow, ask = paused_scale_out(cli, site, 8)  # two agents: above 1
    assert site.openstack.created == 0  # nothing before the yes
    (question,) = posted(cli, "st2 inquiry respond %s" % ask["id"])
    assert question["channel"] == "#qa-ops" and "waits for approval" in question["message"]
    answered = cli.respond(ask["id"], {"approve": True})
    assert answered.returncode == 0, answered.stderr
    done = cli.wait_done(workflow["id"])
    assert done["status"] == "succeeded", done["result"]
    assert "dev: added 2 of 2 agents" in done["result"]["output"]["message"]
    assert len(site.openstack.live_ids()) == 2


def test_a_denied_step_adds_nothing_and_says_so(cli, site):
    workflow, ask = paused_scale_out(cli, site, 8)
    assert cli.respond(ask["id"], {"approve": False}).returncode == 0
    done = cli.wait_done(workflow["id"])
    assert done["status"] == "succeeded", done["result"]
    assert "denied in chat" in done["result"]["output"]["message"]
    assert site.openstack.created == 0


def test_a_small_step_needs_no_approval(cli, site):
    site.queue("/qaeci/qa1/web", 2, cpus=1.0, mem=512)  # one agent
    rc, workflow = cli.json(
        "run",
        "qaeci.cluster_scale_out",
        "trigger=" + json.dumps({"cluster": "dev", "level": "high"}),
    )
    assert rc == 0 and workflow["status"] == "succeeded", workflow
    assert "dev: added 1 of 1 agent" in workflow["result"]["output"]["message"]
    (message,) = posted(cli, "dev: added 1 of 1 agent")
    assert message["channel"] == "#qa-ops"


def enforced(cli, trigger, payload):
    rc, fired = cli.json("trigger", "fire", trigger, "--payload", json.dumps(payload))
    assert rc == 0, fired
    return {enforcement["rule"]: enforcement for enforcement in fired["enforcements"]}


CAPACITY = {
    "cluster": "dev",
    "resource": "cpus",
    "previous_level": "normal",
    "ratio": 0.9,
    "used": 9.0,
    "total": 10.0,
    "timestamp": "2026-12-05T10:00:00.000Z",
}


def test_the_rules_start_scale_out_on_high_capacity_and_scale_in_on_low(cli, site):
    high = enforced(cli, "qaeci.capacity", dict(CAPACITY, level="high"))
    assert "qaeci.scale_out_on_high_capacity" in high
    assert "qaeci.scale_in_on_low_capacity" not in high
    low = enforced(cli, "qaeci.capacity", dict(CAPACITY, level="low", ratio=0.1, used=1.0))
    assert "qaeci.scale_in_on_low_capacity" in low
    assert "qaeci.scale_out_on_high_capacity" not in low


def test_a_launch_stalled_for_resources_scales_out_and_one_stalled_for_a_role_does_not(cli, site):
    stalled = {
        "cluster": "dev",
        "env": "qa1",
        "app": "web",
        "app_id": "/qaeci/qa1/web",
        "timestamp": "2026-12-05T10:00:00.000Z",
        "waiting": 2,
        "waiting_seconds": 400.0,
        "since": "2026-12-05T09:53:00.000Z",
        "declined": {},
        "offers_processed": 3,
        "offers_unused": 3,
    }
    memory = enforced(
        cli,
        "qaeci.launch_stalled",
        dict(stalled, reasons=["InsufficientMemory", "InsufficientDisk"]),
    )
    assert "qaeci.scale_out_on_launch_stalled_memory" in memory
    role = enforced(cli, "qaeci.launch_stalled", dict(stalled, reasons=["UnfulfilledRole"]))
    assert not [rule for rule in role if rule.startswith("qaeci.scale_out")]


def test_chat_commands_scale_out_show_capacity_and_scale_in(cli, site):
    rc, out = cli.json("action-alias", "execute", "cluster scale out 1")
    assert rc == 0, out
    assert out["result"] == "alice: dev: added 1 of 1 agent (openstack 127.0.2.1)", out
    rc, out = cli.json("action-alias", "execute", "cluster capacity")
    assert rc == 0, out
    assert "agents: " in out["result"] and "1 from OpenStack" in out["result"], out["result"]
    rc, out = cli.json("action-alias", "execute", "cluster scale in")
    assert rc == 0, out
    assert "cooling down" in out["result"], out["result"]  # the scale out was just now


def test_without_a_chat_channel_the_question_is_only_listed(cli, site):
    path = os.path.join(cli.state, "configs", "qaeci.yaml")
    with open(path) as handle:
        config = yaml.safe_load(handle)
    config["scaling"]["chat_channel"] = ""
    with open(path, "w") as handle:
        yaml.safe_dump(config, handle)
    workflow, ask = paused_scale_out(cli, site, 8)
    rc, inquiries = cli.json("inquiry", "list")
    assert rc == 0 and [inquiry["id"] for inquiry in inquiries] == [ask["id"]]
    assert (
        "needs approval in chat" in inquiries[0]["schema"]["properties"]["approve"]["description"]
    )
    assert cli.respond(ask["id"], {"approve": True}).returncode == 0
    assert cli.wait_done(workflow["id"])["status"] == "succeeded"
    assert not os.path.exists(cli.outbox)
