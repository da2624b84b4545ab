"""Chat results through the API and the stream, as a chat bot sees them: the ack in the answer
to the alias execution, then the result as `st2.announcement__<route>` on the stream, addressed
to the chat channel and user (StackStorm's notify -> chatops.notify rule -> post_result ->
announcement). Refused commands answer too, and results are not lost when the bot is away:
announcements are kept until a listener of their route connects, also across an `st2lite
serve` restart, and `Last-Event-ID` resumes a stream where it stopped."""

import json
import os

import pytest
from api_testkit import HERE, Serve, Sse, logged_in, st2lite, start_server

from tests.testkit_wait import wait_until

CHAT_PACKS = os.path.join(HERE, "chat_packs")
WAIT_SECONDS = 60
ERRBOT_EVENT = "st2.announcement__errbot"


@pytest.fixture(scope="module")
def server():
    serve = start_server(packs=CHAT_PACKS)
    yield serve
    serve.stop()


@pytest.fixture
def http(server):
    return logged_in(server.urls)


class Bot(object):
    """What err-stackstorm does: its stream (token in a header, no `events`: StackStorm's
    defaults), then for `!st2 TEXT` a match, then match_and_execute with its route."""

    def __init__(self, http, route="errbot", last_event_id=None):
        self.http = http
        self.route = route
        headers = {"X-Auth-Token": http.token}
        if last_event_id is not None:
            headers["Last-Event-ID"] = "%d-%d" % last_event_id
        self.stream = Sse(http.urls["stream"] + "/stream", headers=headers)
        assert self.stream.status == 200

    def say(self, text, user="dora", channel="#qa"):
        return say(self.http, text, user, channel, self.route)

    def next_result(self):
        """(event id, payload) of the next announcement on this bot's route."""
        event_id, _name, data = self.stream.events_until(lambda name, data: name == ERRBOT_EVENT)[
            -1
        ]
        return event_id, data["payload"]

    def close(self):
        self.stream.close()


def say(http, text, user="dora", channel="#qa", route="errbot"):
    """`!st2 TEXT` as err-stackstorm sends it: (status, body) of the first refusal or of
    match_and_execute."""
    status, _, matched = http.api("POST", "/actionalias/match", {"command": text})
    if status != 200:
        return status, matched
    return http.api(
        "POST",
        "/aliasexecution/match_and_execute",
        {
            "command": text,
            "user": user,
            "notification_route": route,
            "source_channel": channel,
            "notification_channel": channel,
        },
    )[::2]


def kept_announcements(state):
    done = st2lite(state, "announcement", "list", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def acked(answer):
    status, body = answer
    assert status == 201, body
    [result] = body["results"]
    return result


def test_a_command_gets_its_ack_then_its_result_for_its_channel_and_user(http):
    bot = Bot(http)
    try:
        result = acked(bot.say("env status demo"))
        _event_id, payload = bot.next_result()
    finally:
        bot.close()
    assert result["message"] == "checking demo"
    assert result["extra"] == {"color": "#cccccc", "about": "demo by dora"}
    execution = result["execution"]
    assert (
        execution["context"]["user"],
        execution["context"]["api_user"],
        execution["context"]["source_channel"],
    ) == ("alice", "dora", "#qa")
    assert execution["liveaction"]["notify"] == {
        "on-complete": {
            "routes": ["errbot"],
            "data": {"user": "dora", "source_channel": "#qa", "source_context": None},
        }
    }
    assert payload == {
        "channel": "#qa",
        "user": "dora",
        "whisper": False,
        "context": None,
        "message": "env demo: running ✓",
        "extra": {"color": "good"},
    }

    status, _, instances = http.api(
        "GET", "/triggerinstances?trigger_type=core.st2.generic.notifytrigger"
    )
    [notice] = [i["payload"] for i in instances if i["payload"]["execution_id"] == execution["id"]]
    assert (notice["route"], notice["channel"], notice["status"], notice["message"]) == (
        "errbot",
        "errbot",
        "succeeded",
        "Action chatenv.status completed.",
    )
    assert json.loads(notice["data"]["result"])["stdout"] == "env demo: running ✓"


def test_a_command_the_action_refuses_answers_with_the_refusal(http):
    bot = Bot(http)
    try:
        refused = acked(bot.say("env down prod", user="dora"))
        _id, refusal = bot.next_result()
        allowed = acked(bot.say("env down qa1", user="boss", channel="#ops"))
        _id, done = bot.next_result()
    finally:
        bot.close()
    assert refused["message"] == "taking prod down"
    assert (refusal["user"], refusal["message"]) == (
        "dora",
        "refused: dora is not a manager of prod",
    )
    assert allowed["execution"]["id"] != refused["execution"]["id"]
    assert (done["user"], done["channel"], done["message"]) == ("boss", "#ops", "env qa1 is down")


def test_a_command_canceled_while_it_runs_answers_that_it_was_canceled(http, tmp_path):
    bot = Bot(http)
    try:
        held = acked(bot.say("env hold demo until %s" % (tmp_path / "gate")))
        execution_id = held["execution"]["id"]
        wait_until(
            "the command to run",
            lambda: http.api("GET", "/executions/" + execution_id)[2]["status"] == "running",
            WAIT_SECONDS,
        )
        assert http.api("DELETE", "/executions/" + execution_id)[0] == 200
        _id, payload = bot.next_result()
    finally:
        bot.close()
    assert held["message"] == "holding demo"
    assert (payload["channel"], payload["user"]) == ("#qa", "dora")
    assert payload["message"] == "env demo: canceled"
    assert payload["extra"] == {"color": "danger"}
    assert http.api("GET", "/executions/" + execution_id)[2]["status"] == "canceled"


def test_a_command_the_api_refuses_gets_the_reason_and_starts_nothing(http):
    bot = Bot(http)
    try:
        unknown = bot.say("env explode demo")
        wrong_type = bot.http.api(
            "POST",
            "/aliasexecution/match_and_execute",
            {
                "command": "env scale demo to lots",
                "user": "dora",
                "notification_route": "errbot",
                "source_channel": "#qa",
            },
        )[::2]
    finally:
        bot.close()
    assert unknown[0] == 400 and "env explode demo" in unknown[1]["faultstring"]
    assert wrong_type[0] == 400 and "count" in wrong_type[1]["faultstring"]
    status, _, scaled = http.api("GET", "/executions?action=chatenv.scale")
    assert (status, scaled) == (200, [])


def test_templates_that_cannot_render_answer_with_a_plain_message(http):
    bot = Bot(http)
    try:
        result = acked(bot.say("env scale demo to 3"))
        _id, payload = bot.next_result()
    finally:
        bot.close()
    assert "message" not in result  # no ack format: the bot says its own line
    assert result["extra"].startswith('Cannot render "extra" in field "ack" for alias.')
    assert payload["message"].startswith(
        'Cannot render "format" in field "result" for alias chatenv.env_scale'
    )
    assert payload["user"] == "dora"


def test_hubot_s_alias_execution_is_announced_on_the_chatops_route(http):
    events = "events=st2.announcement__chatops"
    hubot = Sse(http.urls["stream"] + "/stream?x-auth-token=%s&%s" % (http.token, events))
    try:
        status, _, result = http.api(
            "POST",
            "/aliasexecution",
            {
                "name": "env_status",
                "format": "env status {{ name }}",
                "command": "env status qa2",
                "user": "dora",
                "source_channel": "#ops",
                "source_context": {"id": "m-1"},
                "notification_route": "hubot",
            },
        )
        [(_id, name, data)] = hubot.events_until(lambda name, data: True)
    finally:
        hubot.close()
    assert (status, result["message"]) == (201, "checking qa2")
    assert name == "st2.announcement__chatops"
    assert data["payload"]["context"] == {"id": "m-1"}
    assert data["payload"]["message"] == "env qa2: running ✓"
    assert set(data) == {"payload", "trace_context"}


def test_a_stream_filtered_by_action_gets_no_announcements(http):
    filtered = Sse(
        http.urls["stream"] + "/stream?x-auth-token=%s&action_refs=chatenv.status" % http.token
    )
    bot = Bot(http)
    try:
        acked(bot.say("env status filtered"))
        _id, payload = bot.next_result()
        assert payload["message"] == "env filtered: running ✓"
        status, _, later = http.api(
            "POST", "/executions", {"action": "chatenv.status", "parameters": {"name": "later"}}
        )
        assert status == 201, later
        events = filtered.events_until(
            lambda name, data: data.get("id") == later["id"] and data.get("status") == "succeeded"
        )
    finally:
        bot.close()
        filtered.close()
    assert [name for _id, name, _data in events if "announcement" in name] == []
    assert "st2.execution__create" in [name for _id, name, _data in events]


# --- a bot that is away -------------------------------------------------------------------


def serve_again(state):
    return Serve(state, packs=CHAT_PACKS)


def test_a_result_ready_while_the_bot_was_away_is_delivered_when_it_reconnects_after_a_restart():
    first = start_server(packs=CHAT_PACKS)
    http = logged_in(first.urls)
    acked(say(http, "env status away"))  # no bot is connected
    kept = wait_until(
        "the result to be kept", lambda: kept_announcements(first.state), WAIT_SECONDS
    )
    assert first.stop()[0] == 0

    again = serve_again(first.state)
    try:
        bot = Bot(logged_in(again.urls))
        _id, payload = bot.next_result()
        assert payload["message"] == "env away: running ✓"
        assert kept[0]["payload"] == payload
        bot.close()
        bot = Bot(logged_in(again.urls))  # reconnecting again: nothing twice
        acked(bot.say("env status back"))
        _id, payload = bot.next_result()
        assert payload["message"] == "env back: running ✓"
        bot.close()
    finally:
        again.stop()


def test_last_event_id_resumes_where_the_stream_stopped_across_a_restart():
    first = start_server(packs=CHAT_PACKS)
    http = logged_in(first.urls)
    other = Bot(http)  # a second bot stays connected and takes what comes
    bot = Bot(http)
    acked(bot.say("env status one"))
    last_seen, payload = bot.next_result()
    assert payload["message"] == "env one: running ✓"
    bot.close()
    assert other.next_result()[1]["message"] == "env one: running ✓"
    for name in ("two", "three"):  # one at a time: two runs at once may finish in either order
        acked(other.say("env status " + name))
        assert other.next_result()[1]["message"] == "env %s: running ✓" % name
    other.close()
    assert first.stop()[0] == 0

    again = serve_again(first.state)
    try:
        http = logged_in(again.urls)
        resumed = Bot(http, last_event_id=last_seen)
        acked(say(http, "env status four"))
        messages = [resumed.next_result()[1]["message"] for _ in range(3)]
        resumed.close()
    finally:
        again.stop()
    assert messages == ["env two: running ✓", "env three: running ✓", "env four: running ✓"]


def test_a_browser_stream_sees_results_but_leaves_kept_ones_for_the_bot(server, http):
    kept_before = len(kept_announcements(server.state))
    acked(say(http, "env status later"))
    wait_until(
        "the result to be kept",
        lambda: len(kept_announcements(server.state)) > kept_before,
        WAIT_SECONDS,
    )
    browser = Sse(server.urls["stream"] + "/stream", headers={"Cookie": "auth-token=" + http.token})
    assert browser.status == 200
    bot = Bot(http)
    try:
        _id, payload = bot.next_result()
    finally:
        bot.close()
        browser.close()
    assert payload["message"] == "env later: running ✓"
