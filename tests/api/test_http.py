"""The API over plain HTTP: StackStorm's paths, status codes and `faultstring` bodies; refusals
that record nothing; credentials (tokens, API keys, the auth-token cookie); the SSE stream."""

import json
import socket
import urllib.parse

import pytest
from api_testkit import USER, Http, Sse, logged_in, st2lite, start_server

COUNTED = "/executions?limit=1"


@pytest.fixture(scope="module")
def server():
    serve = start_server()
    yield serve
    code, out, err = serve.stop()
    assert code == 0, err


@pytest.fixture(scope="module")
def single():
    serve = start_server(single_port=True)
    yield serve
    serve.stop()


@pytest.fixture(scope="module")
def http(server):
    return logged_in(server.urls)


def recorded(http):
    status, headers, _ = http.api("GET", COUNTED)
    assert status == 200
    return int(headers["X-Total-Count"])


# --- credentials -------------------------------------------------------------------------


def test_no_credentials_is_401_with_stackstorms_faultstring(server):
    status, _, body = Http(server.urls).api("GET", "/actions")
    assert status == 401
    assert body == {"faultstring": "Unauthorized - One of Token or API key required."}


@pytest.mark.parametrize(
    "headers, reason",
    [
        ({"X-Auth-Token": "0" * 32}, "Unauthorized - Token not found."),
        ({"St2-Api-Key": "nope"}, "Unauthorized - API key not found."),
    ],
)
def test_unknown_credentials_are_401(server, headers, reason):
    status, _, body = Http(server.urls).api("GET", "/actions", headers=headers)
    assert (status, body) == (401, {"faultstring": reason})


def test_a_token_and_a_key_together_are_refused(server, http):
    key = json.loads(st2lite(server.state, "apikey", "create", "--json").stdout)["key"]
    status, _, body = Http(server.urls, token=http.token, api_key=key).api("GET", "/actions")
    assert status == 401 and "Only one of Token or API key" in body["faultstring"]
    assert Http(server.urls, api_key=key).api("GET", "/actions")[0] == 200


def test_login_answers_201_with_token_expiry_and_cookie(server):
    status, headers, body = Http(server.urls).login(body={"ttl": 60})
    assert status == 201
    assert body["user"] == USER and len(body["token"]) == 32
    assert body["expiry"].endswith("Z") and set(body) >= {"id", "metadata"}
    assert "auth-token=%s; Max-Age=" % body["token"] in headers["Set-Cookie"]
    assert "Path=/; HttpOnly" in headers["Set-Cookie"]


@pytest.mark.parametrize(
    "user, password, body, status, reason",
    [
        (USER, "wrong", {}, 401, "Invalid or missing credentials"),
        ("mallory", "x", {}, 401, "Invalid or missing credentials"),
        (USER, "wonder land", {"ttl": 90000}, 400, 'TTL specified "90000" is greater than max'),
        (USER, "wonder land", {"ttl": "long"}, 400, "ttl must be a positive integer"),
    ],
)
def test_login_refusals(server, user, password, body, status, reason):
    got, _, answer = Http(server.urls).login(user, password, body)
    assert got == status and reason in answer["faultstring"]


def test_login_without_basic_credentials_is_401(server):
    status, _, body = Http(server.urls).call("POST", server.urls["auth"] + "/tokens", {})
    assert status == 401 and "Basic" in body["faultstring"]


def test_token_in_query_and_cookie_and_the_cookie_it_sets(server, http):
    status, headers, _ = http.api("GET", "/user")
    assert status == 200
    assert headers["Set-Cookie"].startswith("auth-token=%s;" % http.token)
    anonymous = Http(server.urls)
    status, _, user = anonymous.api("GET", "/user?x-auth-token=" + http.token)
    assert status == 200 and user["authentication"]["location"] == "query"
    status, _, user = anonymous.api("GET", "/user", headers={"Cookie": "auth-token=" + http.token})
    assert status == 200 and user["username"] == USER
    assert user["authentication"] == {
        "method": "authentication token",
        "location": "cookie",
        "token_expire": user["authentication"]["token_expire"],
    }


def test_token_validation(server, http):
    answer = Http(server.urls).call(
        "POST", server.urls["auth"] + "/tokens/validate", {"token": http.token}
    )
    assert answer[0] == 200 and answer[2] == {"valid": True}
    answer = Http(server.urls).call(
        "POST", server.urls["auth"] + "/tokens/validate", {"token": "x"}
    )
    assert answer[2] == {"valid": False}


# --- refusals record nothing -------------------------------------------------------------


@pytest.mark.parametrize(
    "body, raw, reason",
    [
        (None, b"{not json", "Failed to parse request body"),
        (None, b"[1, 2]", "expected a JSON object"),
        ({"parameters": {}}, None, "'action' is a required property"),
        ({"action": 42}, None, "is not of type 'string'"),
        ({"action": "apitest.nothing"}, None, 'Action "apitest.nothing" cannot be found.'),
        ({"action": "apitest.greet", "parameters": {"who": "x", "times": "many"}}, None, "times"),
        (
            {"action": "apitest.greet", "parameters": {"colour": "red", "who": "x"}},
            None,
            "has no parameter 'colour'",
        ),
        ({"action": "apitest.greet", "parameters": {}}, None, "who"),
        ({"action": "apitest.greet", "parameters": "who=x"}, None, "is not of type 'object'"),
    ],
)
def test_bad_executions_are_400_and_not_recorded(http, body, raw, reason):
    before = recorded(http)
    status, _, answer = http.api("POST", "/executions", body, raw=raw)
    assert status == 400, answer
    assert reason in answer["faultstring"]
    assert recorded(http) == before


def test_an_oversized_body_is_413_before_it_is_read(server, http):
    before = recorded(http)
    parts = urllib.parse.urlsplit(server.urls["api"])
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as connection:
        connection.sendall(
            (
                "POST /v1/executions HTTP/1.1\r\nHost: x\r\nX-Auth-Token: %s\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n{"
                % (http.token, 64 * 1024 * 1024)
            ).encode()
        )
        answer = connection.makefile("rb").read().decode()
    assert answer.startswith("HTTP/1.1 413 ")
    assert '"faultstring":"Request body of 67108864 bytes is too large' in answer
    assert recorded(http) == before


def test_a_malformed_request_gets_a_faultstring_too(server):
    parts = urllib.parse.urlsplit(server.urls["api"])
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as connection:
        connection.sendall(b"GET /v1/actions HTTP/1.1\r\nX-Long: " + b"x" * 70000 + b"\r\n\r\n")
        answer = connection.makefile("rb").read().decode()
    head, body = answer.split("\r\n\r\n", 1)
    assert " 431 " in head.splitlines()[0]
    assert json.loads(body) == {"faultstring": "Line too long"}


def test_http_1_0_as_nginx_sends_it(server, http):
    parts = urllib.parse.urlsplit(server.urls["api"])
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as connection:
        connection.sendall(
            ("GET /v1/actions/core.noop HTTP/1.0\r\nX-Auth-Token: %s\r\n\r\n" % http.token).encode()
        )
        answer = connection.makefile("rb").read().decode()
    head, body = answer.split("\r\n\r\n", 1)
    assert " 200 " in head.splitlines()[0]
    assert json.loads(body)["ref"] == "core.noop"


def test_unknown_paths_and_methods(http):
    status, _, body = http.api("GET", "/nothing/here")
    assert (status, body) == (404, {"faultstring": "The resource could not be found."})
    status, headers, body = http.api("PATCH", "/actions")
    assert status == 405 and "not allowed" in body["faultstring"]
    assert http.api("GET", "/actions/apitest.nothing")[0] == 404
    assert http.api("GET", "/executions/ffffffffffffffffffffffff")[0] == 404


def test_bad_query_values_are_400(http):
    status, _, body = http.api("GET", "/executions?limit=lots")
    assert status == 400 and "limit" in body["faultstring"]
    status, _, body = http.api("GET", "/executions?timestamp_gt=yesterday")
    assert status == 400 and "ISO 8601" in body["faultstring"]
    status, _, body = http.api("GET", "/keys?scope=galaxy")
    assert status == 400 and "Invalid scope: galaxy" in body["faultstring"]


def test_refused_key_writes_change_nothing(http):
    status, _, body = http.api("PUT", "/keys/k", {"name": "k", "value": 5})
    assert status == 400 and "value" in body["faultstring"]
    assert http.api("GET", "/keys/k")[0] == 404
    assert http.api("DELETE", "/keys/k")[0] == 404


# --- paths as StackStorm and its nginx serve them -----------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/actions/core.echo",
        "/api/v1/actions/core.echo/",
        "/api/actions/core.echo",
        "/v1/actions/core.echo",
        "/actions/core.echo",
        "/api/v1/actionexecutions?limit=1",
    ],
)
def test_single_port_api_paths(single, path):
    http = logged_in(single.urls)
    base = single.urls["api"][: -len("/api/v1")]
    status, _, body = http.call("GET", base + path)
    assert status == 200, body


@pytest.mark.parametrize("path", ["/auth/v1/tokens", "/auth/tokens", "/auth/v1/tokens/"])
def test_single_port_auth_paths(single, path):
    base = single.urls["api"][: -len("/api/v1")]
    status, _, body = Http(
        {
            "auth": base + path[: -len("/tokens")]
            if not path.endswith("/")
            else base + path[: -len("/tokens/")]
        }
    ).login()
    assert status == 201, body


def test_separate_ports_serve_with_and_without_v1(server, http):
    api_root = server.urls["api"][: -len("/v1")]
    assert http.call("GET", api_root + "/actions/core.echo")[0] == 200
    assert http.call("GET", api_root + "/v1/runnertypes/?name=local-shell-cmd")[0] == 200
    assert http.call("GET", server.urls["auth"] + "/v1/tokens")[0] == 405  # only POST


# --- resources ---------------------------------------------------------------------------


def test_execution_object_shape_and_listing(http):
    status, _, created = http.api(
        "POST",
        "/executions",
        {
            "action": "apitest.flow",
            "parameters": {"who": "kim"},
            "user": None,
            "context": {"trace_context": {"trace_tag": "t1"}, "user": "someone-else"},
        },
    )
    assert status == 201
    assert created["context"]["user"] == USER  # never what the body claims
    assert created["context"]["trace_context"] == {"trace_tag": "t1"}
    assert created["action"]["runner_type"] == "orquesta"
    assert created["runner"]["name"] == "orquesta"
    sse_done = _wait_final(http, created["id"])
    assert sse_done["status"] == "succeeded"
    assert sse_done["result"] == {"output": {"echoed": "again hello kim"}}
    assert len(sse_done["children"]) == 2 and sse_done["elapsed_seconds"] >= 0
    status, _, children = http.api("GET", "/executions/%s/children?depth=-1" % created["id"])
    assert [c["context"]["orquesta"]["task_name"] for c in children] == ["greet", "repeat"]
    assert all(c["parent"] == created["id"] for c in children)
    status, headers, rows = http.api(
        "GET",
        "/executions/?limit=50&parent=null&sort_desc=True&action=apitest.flow"
        "&include_attributes=id,action.ref,context.user,status",
    )
    assert rows[0] == {
        "id": created["id"],
        "action": {"ref": "apitest.flow"},
        "context": {"user": USER},
        "status": "succeeded",
    }
    assert int(headers["X-Total-Count"]) == len(rows)
    status, _, rows = http.api("GET", "/executions?parent=%s&sort_asc=True" % created["id"])
    assert [r["action"]["ref"] for r in rows] == ["apitest.greet", "core.echo"]


def _wait_final(http, execution_id):
    """Waits on the stream for the execution's completing update (bounded by the socket
    timeout); the end_event arguments close the stream there."""
    stream = Sse(
        http.urls["stream"] + "/stream?events=st2.execution__update&end_event="
        "st2.execution__update&end_execution_id=%s&x-auth-token=%s" % (execution_id, http.token)
    )
    try:
        events = stream.events_until(
            lambda name, data: (
                data.get("id") == execution_id and data["status"] in ("succeeded", "failed")
            )
        )
        assert stream.next_event() is None  # closed after the end event
        return events[-1][2]
    finally:
        stream.close()


def test_alias_match_help_and_executions(http):
    status, _, match = http.api("POST", "/actionalias/match", {"command": "greet ann"})
    assert status == 200 and match["actionalias"]["ref"] == "apitest.greet"
    assert match["representation"] == "greet {{ who }}"
    status, _, body = http.api("POST", "/actionalias/match", {"command": "greet"})
    assert status == 400 and "faultstring" in body
    status, _, help_ = http.api("GET", "/actionalias/help")
    assert help_["helpstrings"] == [
        {"pack": "apitest", "display": "greet {{ who }}", "description": "Greet someone."}
    ]
    status, _, answer = http.api(
        "POST",
        "/aliasexecution/match_and_execute",
        {
            "command": "greet bo",
            "user": "chatty",
            "source_channel": "ops",
            "notification_route": "errbot",
        },
    )
    assert status == 201
    result = answer["results"][0]
    assert result["message"] == "greeting bo"
    assert result["actionalias"]["ref"] == "apitest.greet"
    context = result["execution"]["context"]
    assert (
        context["user"],
        context["api_user"],
        context["source_channel"],
        context["action_alias_ref"],
    ) == (USER, "chatty", "ops", "apitest.greet")
    status, _, answer = http.api(
        "POST",
        "/aliasexecution",
        {
            "name": "greet",
            "format": "greet {{ who }}",
            "command": "greet cy",
            "user": "chatty",
            "source_channel": "ops",
            "notification_route": "hubot",
        },
    )
    assert status == 201 and answer["execution"]["parameters"] == {"who": "cy"}
    status, _, body = http.api("POST", "/aliasexecution", {"name": "nope", "command": "x"})
    assert status == 404


def test_content_resources(http):
    status, _, actions = http.api("GET", "/actions?pack=apitest&include_attributes=ref,pack")
    assert [a["ref"] for a in actions] == [
        "apitest.approve",
        "apitest.flow",
        "apitest.greet",
        "apitest.naps",
    ]
    status, _, runners = http.api("GET", "/runnertypes/?name=local-shell-cmd")
    assert [r["name"] for r in runners] == ["local-shell-cmd"]
    assert "cmd" in runners[0]["runner_parameters"]
    status, _, rule = http.api("GET", "/rules/apitest.greet_on_event")
    assert rule["trigger"]["type"] == "apitest.event" and rule["action"]["ref"] == "apitest.greet"
    assert rule["metadata_file"] == "rules/greet_on_event.yaml"  # relative, as StackStorm has it
    status, _, by_id = http.api("GET", "/rules/" + rule["id"])
    assert by_id == rule
    status, _, types = http.api("GET", "/triggertypes?pack=apitest")
    assert [t["ref"] for t in types] == ["apitest.event"]
    status, _, packs = http.api("GET", "/packs")
    assert "apitest" in [p["ref"] for p in packs]


# --- the stream --------------------------------------------------------------------------


def test_stream_sends_execution_and_output_events_with_ids(http):
    stream = Sse(
        http.urls["stream"] + "/stream?events=st2.execution__*,st2.execution.output__create",
        headers={"X-Auth-Token": http.token},
    )
    try:
        assert stream.headers["Content-Type"] == "text/event-stream; charset=UTF-8"
        status, _, created = http.api(
            "POST", "/executions", {"action": "apitest.greet", "parameters": {"who": "sse"}}
        )
        events = stream.events_until(
            lambda name, data: (
                name == "st2.execution__update"
                and data["id"] == created["id"]
                and data["status"] == "succeeded"
            )
        )
    finally:
        stream.close()
    mine = [
        (name, data)
        for _id, name, data in events
        if (data.get("execution_id") or data.get("id")) == created["id"]
    ]
    assert mine[0][0] == "st2.execution__create"
    output = [data for name, data in mine if name == "st2.execution.output__create"]
    assert [(o["output_type"], o["data"]) for o in output] == [("stdout", "hello sse\n")]
    ids = [event_id for event_id, _name, _data in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_stream_accepts_the_cookie_alone_and_refuses_no_credentials(server, http):
    refused = Sse(server.urls["stream"] + "/stream")
    assert refused.status == 401
    refused.close()
    key = json.loads(st2lite(server.state, "apikey", "create", "--json").stdout)["key"]
    by_key = Sse(server.urls["stream"] + "/stream?st2-api-key=" + key)  # as hubot connects
    assert by_key.status == 200
    by_key.close()
    stream = Sse(server.urls["stream"] + "/stream", headers={"Cookie": "auth-token=" + http.token})
    try:
        assert stream.status == 200
        http.api("POST", "/executions", {"action": "core.noop"})
        events = stream.events_until(lambda name, data: name == "st2.execution__create")
        assert events[-1][2]["action"]["ref"] == "core.noop"
    finally:
        stream.close()


def test_execution_filters_by_user_time_and_paging(server, http):
    key = json.loads(st2lite(server.state, "apikey", "create", "--user", "bot", "--json").stdout)[
        "key"
    ]
    bot = Http(server.urls, api_key=key)
    status, _, mine = bot.api("POST", "/executions", {"action": "core.noop"})
    assert status == 201 and mine["context"]["user"] == "bot"
    status, headers, rows = http.api("GET", "/executions?user=bot")
    assert [r["id"] for r in rows] == [mine["id"]] and headers["X-Total-Count"] == "1"
    since = mine["start_timestamp"]
    status, _, rows = http.api("GET", "/executions?timestamp_lt=" + since + "&limit=-1")
    assert rows and mine["id"] not in [r["id"] for r in rows]
    assert all(r["start_timestamp"] < since for r in rows)
    status, headers, page = http.api("GET", "/executions?offset=1&limit=2")
    status, _, everything = http.api("GET", "/executions?limit=-1")
    assert [r["id"] for r in page] == [r["id"] for r in everything[1:3]]
    assert int(headers["X-Total-Count"]) == len(everything)


def test_trigger_instances_and_enforcements(server, http):
    fired = json.loads(
        st2lite(
            server.state,
            "trigger",
            "fire",
            "apitest.event",
            "--payload",
            '{"kind": "hello", "name": "ida"}',
            "--json",
        ).stdout
    )
    status, _, instance = http.api("GET", "/triggerinstances/" + fired["trigger_instance"])
    assert (instance["trigger"], instance["payload"]) == (
        "apitest.event",
        {"kind": "hello", "name": "ida"},
    )
    at = instance["occurrence_time"]
    status, _, later = http.api("GET", "/triggerinstances?timestamp_gt=" + at)
    assert fired["trigger_instance"] not in [i["id"] for i in later]
    status, _, until = http.api(
        "GET", "/triggerinstances?trigger=apitest.event&timestamp_lt=2999-01-01T00:00:00%2B00:00"
    )
    assert until[0]["id"] == fired["trigger_instance"]
    status, _, enforcements = http.api(
        "GET", "/ruleenforcements?trigger_instance=" + fired["trigger_instance"]
    )
    assert [(e["rule"]["ref"], e["execution_id"]) for e in enforcements] == [
        ("apitest.greet_on_event", fired["enforcements"][0]["execution"])
    ]


def test_a_refused_alias_execution_records_nothing(http):
    before = recorded(http)
    status, _, body = http.api(
        "POST",
        "/aliasexecution",
        {"name": "greet", "format": "greet {{ who }}", "command": "greet", "user": "chatty"},
    )
    assert status == 400 and "faultstring" in body
    status, _, body = http.api("POST", "/aliasexecution/match_and_execute", {"command": 7})
    assert status == 400 and "'command' is a required property" in body["faultstring"]
    assert recorded(http) == before


def test_history_filter_views(server, http):
    http.api("POST", "/executions", {"action": "core.noop"})
    status, _, views = http.api("GET", "/executions/views/filters")
    assert status == 200
    assert "core.noop" in views["action"] and USER in views["user"]
    assert set(views["status"]) <= {"requested", "scheduled", "running", "succeeded", "failed"}
    assert views["action"] == sorted(views["action"])


def test_the_output_stream_of_one_execution(server, http):
    status, _, created = http.api(
        "POST",
        "/executions",
        {"action": "core.local", "parameters": {"cmd": "sleep 0.5; echo out; echo err >&2"}},
    )
    url = server.urls["stream"] + "/executions/%s/output?x-auth-token=%s"
    stream = Sse(url % (created["id"], http.token))
    try:
        events = stream.events_until(lambda name, data: name == "EOF")
        assert stream.next_event() is None
    finally:
        stream.close()
    outputs = [(d["output_type"], d["data"]) for _i, name, d in events if name != "EOF"]
    assert sorted(outputs) == [("stderr", "err\n"), ("stdout", "out\n")]  # a line each
    finished = Sse((url % (created["id"], http.token)) + "&output_type=stderr")
    try:  # once it has ended: what it wrote, then EOF at once
        events = finished.events_until(lambda name, data: name == "EOF")
    finally:
        finished.close()
    assert [(name, d if name == "EOF" else d["data"]) for _i, name, d in events] == [
        ("st2.execution.output__create", "err\n"),
        ("EOF", "''"),
    ]
    assert Sse(url % ("f" * 24, http.token)).status == 404
