"""An execution a rule started carries its rule, trigger, trigger type and trigger instance as
StackStorm's ActionExecutionAPI does: st2web's History shows "rule (trigger)" from them, not
"Manual", and the `rule` / `trigger_instance` filters find it."""

import json

import pytest
from api_testkit import PASSWORD, USER, St2, logged_in, st2lite, start_server

PAYLOAD = {"kind": "hello", "name": "eve"}


@pytest.fixture(scope="module")
def server():
    serve = start_server()
    yield serve
    code, _out, err = serve.stop()
    assert code == 0, err


@pytest.fixture(scope="module")
def st2(server):
    cli = St2(server.urls)
    code, output = cli("login", USER, "-p", PASSWORD)
    assert code == 0, output
    return cli


@pytest.fixture(scope="module")
def fired(server):
    """(trigger instance id, execution id) of apitest.greet_on_event, set off once."""
    done = st2lite(
        server.state, "trigger", "fire", "apitest.event", "--payload", json.dumps(PAYLOAD), "--json"
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    [enforcement] = answer["enforcements"]
    assert enforcement["status"] == "succeeded", enforcement
    return answer["trigger_instance"], enforcement["execution"]


def test_st2_execution_get_shows_the_rule_and_its_trigger(st2, fired):
    instance_id, execution_id = fired
    shown = ("rule", "trigger", "trigger_type", "trigger_instance", "context")
    code, execution = st2.json("execution", "get", execution_id, "--attr", *shown)
    assert code == 0, execution
    assert execution["rule"]["ref"] == "apitest.greet_on_event"
    assert execution["rule"]["description"] == "Greets whoever an event names."
    assert execution["trigger"]["type"] == "apitest.event"
    assert execution["trigger_type"]["ref"] == "apitest.event"
    assert execution["trigger_instance"]["id"] == instance_id
    assert execution["trigger_instance"]["payload"] == PAYLOAD
    assert execution["trigger_instance"]["occurrence_time"]
    assert execution["context"]["user"] == "stanley"
    assert execution["context"]["pack"] == "apitest"
    assert execution["context"]["rule"]["name"] == "greet_on_event"
    assert execution["context"]["rule"]["id"] == execution["rule"]["id"]
    assert execution["context"]["trigger_instance"]["id"] == instance_id


def test_st2_execution_list_by_trigger_instance_finds_it(st2, fired):
    instance_id, execution_id = fired
    code, executions = st2.json("execution", "list", "--trigger_instance", instance_id)
    assert code == 0, executions
    assert [e["id"] for e in executions] == [execution_id]


def test_the_rule_filter_takes_the_rules_name_as_stackstorm_does(server, fired):
    _instance_id, execution_id = fired
    http = logged_in(server.urls)
    status, _headers, by_name = http.api("GET", "/executions?rule=greet_on_event")
    assert status == 200
    assert [e["id"] for e in by_name] == [execution_id]
    _status, _headers, other = http.api("GET", "/executions?rule=no_such_rule")
    assert other == []
    _status, _headers, menus = http.api("GET", "/executions/views/filters")
    assert menus["rule"] == ["greet_on_event"]


def test_an_execution_started_by_hand_names_no_rule(st2):
    code, execution = st2.json("run", "core.echo", "message=hi")
    assert code == 0, execution
    assert "rule" not in execution and "trigger" not in execution
    assert execution["context"]["user"] == USER
