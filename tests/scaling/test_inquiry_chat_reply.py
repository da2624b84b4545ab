"""A scale out waiting for approval is answered in chat, end to end: `st2lite serve` runs the
qaeci pack; a chat bot sends `approve ID` or `deny ID` through /api/v1/aliasexecution; the pack's
action answers the inquiry through the same API, with no pack config: with the URL and token
StackStorm gives every action (ST2_ACTION_API_URL, ST2_ACTION_AUTH_TOKEN), or with an API key
(st2_api.api_key) when one is set, and the workflow goes on. A chat user the inquiry does not list
is refused, and the workflow waits on."""

import json
import os
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.append(os.path.join(TESTS, "api"))

from api_testkit import PASSWORD, SCRATCH, USER, Serve, logged_in, st2lite  # noqa: E402

from tests.testkit_wait import wait_until  # noqa: E402

pytestmark = pytest.mark.e2e
REPO_PACKS = os.path.join(os.path.dirname(TESTS), "packs")
INQUIRY_PACKS = os.path.join(TESTS, "inquiries", "packs")  # inq.approve: core.ask with users
WAIT_SECONDS = 60
KEY_USER = "qaeci-bot"
TRIGGER = {"cluster": "dev", "level": "high"}


class Chat(object):
    """What a chat bot and its channel see of `st2lite serve`."""

    def __init__(self, serve, http):
        self.serve = serve
        self.http = http

    def say(self, command, user, name, alias_format):
        """A command as hubot-stackstorm sends it; the execution it started."""
        status, _, body = self.http.api(
            "POST",
            "/aliasexecution",
            {
                "name": name,
                "format": alias_format,
                "command": command,
                "user": user,
                "source_channel": "#qa-ops",
                "notification_route": "errbot",
            },
        )
        assert status == 201, body
        return body["execution"]["id"]

    def approve(self, inquiry_id, user):
        return self.say(
            "approve " + inquiry_id, user, "inquiry_approve", "approve {{ inquiry_id }}"
        )

    def deny(self, inquiry_id, user):
        return self.say("deny " + inquiry_id, user, "inquiry_deny", "deny {{ inquiry_id }}")

    def posted(self, route, wanted):
        """The message on ROUTE (kept: no stream listens) that contains WANTED."""
        return wait_until(
            "a %s message with %r" % (route, wanted),
            lambda: [
                kept["payload"]["message"]
                for kept in self._kept(route)
                if wanted in kept["payload"]["message"]
            ],
            WAIT_SECONDS,
        )[0]

    def _kept(self, route):
        done = st2lite(self.serve.state, "announcement", "list", "--route", route, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def start(self, action, parameters):
        status, _, started = self.http.api(
            "POST", "/executions", {"action": action, "parameters": parameters}
        )
        assert status == 201, started
        return started["id"]

    def status(self, execution_id, wanted):
        def reached():
            status, _, execution = self.http.api("GET", "/executions/" + execution_id)
            assert status == 200, execution
            return execution if execution["status"] in wanted else None

        return wait_until("execution %s to be %s" % (execution_id, wanted), reached, WAIT_SECONDS)

    def inquiry_of(self, workflow_id):
        self.status(workflow_id, ("paused",))
        status, _, children = self.http.api("GET", "/executions/%s/children" % workflow_id)
        [ask] = [child["id"] for child in children if child["action"]["ref"] == "core.ask"]
        return ask

    def pending_inquiries(self):
        status, _, inquiries = self.http.api("GET", "/inquiries")
        assert status == 200, inquiries
        return [inquiry["id"] for inquiry in inquiries]


@pytest.fixture
def chat(site, tmp_path):
    """`st2lite serve` with no st2_api in the pack config: actions use their own token."""
    for chat in served_chat(site, tmp_path, st2_api=None):
        yield chat


@pytest.fixture
def keyed_chat(site, tmp_path):
    """`st2lite serve` with an API key of KEY_USER in st2_api (its URL still the action's)."""
    for chat in served_chat(site, tmp_path, st2_api=KEY_USER):
        yield chat


def served_chat(site, tmp_path, st2_api):
    state = os.path.join(SCRATCH, "inquiry-chat-%s" % tmp_path.name)
    os.makedirs(os.path.join(state, "configs"))
    added = st2lite(state, "user", "add", USER, "--password", PASSWORD)
    assert added.returncode == 0, added.stderr
    config = site.config(approval_above=1, chat_channel="#qa-ops")
    config["work_dir"] = str(tmp_path / "work")
    if st2_api:
        created = st2lite(state, "apikey", "create", "--user", st2_api, "--json")
        assert created.returncode == 0, created.stderr
        config["st2_api"] = {"api_key": json.loads(created.stdout)["key"]}
    config["sensors"] = {"capacity_polls": 100000}  # no capacity event starts a scale in or out
    with open(os.path.join(state, "configs", "qaeci.yaml"), "w") as handle:
        yaml.safe_dump(config, handle)
    serve = Serve(state, "--packs", REPO_PACKS, "--packs", INQUIRY_PACKS, packs=REPO_PACKS)
    yield Chat(serve, logged_in(serve.urls))
    code, _out, err = serve.stop()
    assert code == 0, err


def paused_scale_out(chat, site):
    site.queue("/qaeci/qa1/web", 8, cpus=1.0, mem=512)  # two agents: above approval_above 1
    workflow = chat.start("qaeci.cluster_scale_out", {"trigger": TRIGGER})
    return workflow, chat.inquiry_of(workflow)


def test_approve_in_chat_lets_the_scale_out_go_on(chat, site):
    workflow, inquiry = paused_scale_out(chat, site)
    question = chat.posted("chatops", inquiry)
    assert "say `approve %s` or `deny %s`" % (inquiry, inquiry) in question
    assert site.openstack.created == 0
    answer = chat.approve(inquiry, "carol")
    assert chat.posted("errbot", "approved") == "✓ carol approved inquiry %s" % inquiry
    assert chat.status(answer, ("succeeded", "failed"))["status"] == "succeeded"
    done = chat.status(workflow, ("succeeded", "failed"))
    assert done["status"] == "succeeded", done["result"]
    assert "dev: added 2 of 2 agents" in done["result"]["output"]["message"]
    assert len(site.openstack.live_ids()) == 2
    again = chat.deny(inquiry, "carol")
    assert chat.status(again, ("succeeded", "failed"))["status"] == "failed"
    refused = chat.posted("errbot", "✗ deny")
    assert refused == (
        '✗ deny %s: inquiry %s cannot be answered: Inquiry "%s" has already been responded to.'
        % (inquiry, inquiry, inquiry)
    )


def test_deny_in_chat_stops_the_scale_out(chat, site):
    workflow, inquiry = paused_scale_out(chat, site)
    chat.deny(inquiry, "carol")
    assert chat.posted("errbot", "denied") == "✓ carol denied inquiry %s" % inquiry
    done = chat.status(workflow, ("succeeded", "failed"))
    assert done["status"] == "succeeded", done["result"]
    assert "denied in chat" in done["result"]["output"]["message"]
    assert site.openstack.created == 0


def test_a_user_the_inquiry_does_not_list_is_refused_and_it_waits_on(keyed_chat, site):
    # the key's account answers: the bot's account (USER, whose token the action would have
    # had) is not among the users, so only the key lets the answer through
    chat = keyed_chat
    workflow = chat.start("inq.approve", {"approvers": ["bob", KEY_USER]})
    inquiry = chat.inquiry_of(workflow)
    refused = chat.approve(inquiry, "mallory")
    assert chat.status(refused, ("succeeded", "failed"))["status"] == "failed"
    assert chat.posted("errbot", "mallory") == (
        "✗ approve %s: mallory may not answer inquiry %s: only bob, %s may (its users); "
        "fix: ask one of them" % (inquiry, inquiry, KEY_USER)
    )
    assert chat.status(workflow, ("paused", "succeeded", "failed"))["status"] == "paused"
    assert chat.pending_inquiries() == [inquiry]
    chat.say(
        'inquiry respond %s {"continue": true, "reason": "checked"}' % inquiry,
        "bob",
        "inquiry_respond",
        "inquiry respond {{ inquiry_id }} {{ response }}",
    )
    assert chat.posted("errbot", "answered inquiry") == (
        '✓ bob answered inquiry %s: {"continue": true, "reason": "checked"}' % inquiry
    )
    done = chat.status(workflow, ("succeeded", "failed"))
    assert done["result"]["output"]["decision"] == "approved", done["result"]


def test_without_a_key_the_api_checks_the_account_of_the_actions_token(chat, site):
    # as on StackStorm: the action's token is the execution's user's, the bot's account (USER)
    workflow = chat.start("inq.approve", {"approvers": ["carol"]})
    inquiry = chat.inquiry_of(workflow)
    refused = chat.approve(inquiry, "carol")
    assert chat.status(refused, ("succeeded", "failed"))["status"] == "failed"
    assert chat.posted("errbot", "would not take") == (
        "✗ approve %s: the StackStorm API would not take the answer from the account of the "
        'action\'s token ST2_ACTION_AUTH_TOKEN (User "%s" does not have permission to respond '
        'to inquiry "%s".); fix: add that account to the inquiry\'s users or roles, or set '
        "st2_api.api_key to a key of one that may answer" % (inquiry, USER, inquiry)
    )
    assert chat.pending_inquiries() == [inquiry]


def test_remediation_history_answers_in_chat_too(chat, site):
    chat.say(
        "remediation history web",
        "carol",
        "remediation_history",
        'remediation history {{ app="" }}',
    )
    assert chat.posted("errbot", "remediation") == (
        "No automatic remediation decision about web yet."
    )
