"""An alias execution that names no notification route (`st2 action-alias execute`, the chatops
pack's match_and_execute action): as on StackStorm, its on-complete notification has a null
route, so the notifytrigger still fires (route and channel null, the chat user in its data) but
no chatops rule matches it and nothing is posted to chat. With a route, the chatops rule of that
route takes it."""

import pytest
from api_testkit import logged_in, start_server
from test_chat_results import CHAT_PACKS, WAIT_SECONDS

from tests.testkit_wait import wait_until

NOTIFY_TRIGGER = "core.st2.generic.notifytrigger"
FORMAT = "env status {{ name }}"


@pytest.fixture(scope="module")
def server():
    serve = start_server(packs=CHAT_PACKS)
    yield serve
    serve.stop()


@pytest.fixture
def http(server):
    return logged_in(server.urls)


def execute(http, **routing):
    """POST /aliasexecution as chatops.match_and_execute and hubot send it."""
    body = dict(
        name="env_status",
        format=FORMAT,
        command="env status demo",
        user="dora",
        source_channel="#qa",
        **routing,
    )
    status, _, answer = http.api("POST", "/aliasexecution", body)
    assert status == 201, answer
    return answer["execution"]


def processed_notice(http, execution_id):
    """The notifytrigger instance of the execution, once the rules engine has processed it."""

    def find():
        status, _, instances = http.api("GET", "/triggerinstances?trigger=" + NOTIFY_TRIGGER)
        assert status == 200, instances
        return next(
            (
                i
                for i in instances
                if i["payload"]["execution_id"] == execution_id and i["status"] == "processed"
            ),
            None,
        )

    return wait_until("the notifytrigger of " + execution_id, find, WAIT_SECONDS)


def enforced_rules(http, instance_id):
    status, _, enforcements = http.api("GET", "/ruleenforcements?trigger_instance=" + instance_id)
    assert status == 200, enforcements
    return [e["rule"]["ref"] for e in enforcements]


def test_without_a_route_the_notice_fires_with_a_null_route_and_nothing_goes_to_chat(http):
    execution = execute(http)
    assert execution["liveaction"]["notify"] == {
        "on-complete": {
            "routes": [None],
            "data": {"user": "dora", "source_channel": "#qa", "source_context": None},
        }
    }
    notice = processed_notice(http, execution["id"])
    payload = notice["payload"]
    assert (payload["route"], payload["channel"], payload["status"]) == (None, None, "succeeded")
    assert payload["message"] == "Action chatenv.status completed."
    assert (payload["data"]["user"], payload["data"]["source_channel"]) == ("dora", "#qa")
    assert enforced_rules(http, notice["id"]) == []


def test_a_notification_channel_alone_is_the_route(http):
    execution = execute(http, notification_channel="errbot")
    notice = processed_notice(http, execution["id"])
    assert notice["payload"]["route"] == "errbot"
    assert enforced_rules(http, notice["id"]) == ["chatops.notify-errbot"]
