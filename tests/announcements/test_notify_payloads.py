"""The notifytrigger payloads of an ended execution, as StackStorm's notifier builds them: one
per route of each section that applies (on-complete, then on-success or on-failure), message
and data rendered with the execution, the result as JSON text; an action's own notify block
replaces the execution's."""

import json

from st2lite.notifications import effective_notify, notify_payloads

ACTION = {"ref": "chat.greet", "runner_type": "local-shell-cmd"}
ROUTED = {
    "on-complete": {
        "routes": ["errbot"],
        "data": {"user": "dora", "source_channel": "#qa", "source_context": None},
    }
}


def ended(status, notify=ROUTED):
    return {
        "id": "e1",
        "status": status,
        "start_timestamp": "2026-01-01T00:00:00.000000Z",
        "end_timestamp": "2026-01-01T00:00:01.000000Z",
        "parameters": {"name": "ann"},
        "context": {"user": "alice"},
        "result": {"stdout": "hi ann"},
        "notify": notify,
    }


def test_an_alias_execution_s_route_gets_the_notifier_s_payload():
    [payload] = notify_payloads(ended("succeeded"), ACTION, ROUTED)
    assert payload == {
        "execution_id": "e1",
        "status": "succeeded",
        "start_timestamp": "2026-01-01T00:00:00.000000Z",
        "end_timestamp": "2026-01-01T00:00:01.000000Z",
        "action_ref": "chat.greet",
        "runner_ref": "local-shell-cmd",
        "route": "errbot",
        "channel": "errbot",
        "message": "Action chat.greet completed.",
        "data": {
            "user": "dora",
            "source_channel": "#qa",
            "source_context": None,
            "result": json.dumps({"stdout": "hi ann"}),
        },
    }


def test_sections_follow_the_status_and_templates_see_the_execution():
    notify = {
        "on-complete": {"routes": ["a", "b"]},
        "on-success": {"routes": ["ok"], "message": "{{ action_parameters.name }} ok"},
        "on-failure": {"routes": ["bad"], "data": {"out": "{{ action_results.stdout }}"}},
    }
    succeeded = notify_payloads(ended("succeeded"), ACTION, notify)
    assert [(p["route"], p["message"]) for p in succeeded] == [
        ("a", "Action chat.greet completed."),
        ("b", "Action chat.greet completed."),
        ("ok", "ann ok"),
    ]
    timed_out = notify_payloads(ended("timeout"), ACTION, notify)
    assert [p["route"] for p in timed_out] == ["a", "b", "bad"]
    assert timed_out[-1]["message"] == "Action chat.greet failed."
    assert timed_out[-1]["data"]["out"] == "hi ann"
    assert notify_payloads(ended("running"), ACTION, notify) == []
    assert [p["route"] for p in notify_payloads(ended("canceled"), ACTION, notify)] == ["a", "b"]


def test_a_template_that_fails_is_sent_as_written_and_no_route_sends_nothing():
    notify = {"on-complete": {"routes": ["r"], "message": "{{ nothing.here }}"}}
    [payload] = notify_payloads(ended("failed"), ACTION, notify)
    assert payload["message"] == "{{ nothing.here }}"
    assert notify_payloads(ended("failed"), ACTION, {"on-complete": {"routes": []}}) == []


def test_an_action_s_notify_block_replaces_the_execution_s():
    own = {"on-complete": {"routes": ["slack"]}}
    assert effective_notify(ended("succeeded"), dict(ACTION, notify=own)) == own
    assert effective_notify(ended("succeeded"), dict(ACTION, notify={})) == ROUTED
    assert effective_notify(ended("succeeded", notify=None), ACTION) == {}
