"""What st2web (StackStorm's web UI) asks of the API, over plain HTTP as the browser sends it:
from another origin (CORS with credentials, preflights), logging in, the History list, an
execution's details and workflow children, live updates on a stream that carries only the
`auth-token` cookie, and the Actions and Rules pages' views. st2web itself is checked by hand
(st2lite/README.md, "st2web by hand")."""

import base64

import pytest
from api_testkit import PASSWORD, USER, Http, Sse, logged_in, st2lite, start_server

ST2WEB = "http://127.0.0.1:8080"  # where StackStorm expects st2web's static server by default
HISTORY_LIST = (
    "/executions?parent=null&limit=50&offset=0&include_attributes=id,status,start_timestamp,"
    "action.ref,action.name,action.runner_type,action.parameters,parameters,rule.ref,"
    "trigger.type,context.user"
)


@pytest.fixture(scope="module", params=["single port", "separate ports"])
def server(request):
    serve = start_server(single_port=request.param == "single port")
    yield serve
    code, _out, err = serve.stop()
    assert code == 0, err


@pytest.fixture(scope="module")
def http(server):
    return logged_in(server.urls)


def from_st2web(headers=None):
    return dict(headers or {}, Origin=ST2WEB)


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def assert_cors(headers, origin=ST2WEB):
    assert headers["Access-Control-Allow-Origin"] == origin
    assert headers["Access-Control-Allow-Credentials"] == "true"


def cookie_from(headers):
    """The `auth-token=...` pair of a Set-Cookie header, as the browser keeps it."""
    cookie = headers["Set-Cookie"]
    assert "Path=/" in cookie and "HttpOnly" in cookie, cookie
    return cookie.split(";")[0]


def finished(http, execution_id):
    """The execution once it ended: the stream closes after its last update (each read is
    bounded)."""
    stream = Sse(
        http.urls["stream"]
        + "/stream?events=st2.execution__update&end_event=st2.execution__update"
        + "&end_execution_id="
        + execution_id,
        headers={"X-Auth-Token": http.token},
    )
    try:
        while stream.next_event() is not None:
            pass
    finally:
        stream.close()
    return http.api("GET", "/executions/" + execution_id)[2]


def test_a_preflight_is_answered_on_every_service_without_credentials(server):
    asked = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-auth-token",
    }
    for url in (
        server.urls["auth"] + "/tokens",
        server.urls["api"] + "/executions",
        server.urls["stream"] + "/stream",
    ):
        status, headers, _ = Http(server.urls).call("OPTIONS", url, headers=from_st2web(asked))
        assert status == 200, url
        assert_cors(headers)
        allowed = headers["Access-Control-Allow-Headers"].lower().split(",")
        assert {"authorization", "content-type", "x-auth-token"} <= set(allowed)
        assert "POST" in headers["Access-Control-Allow-Methods"].split(",")


def test_login_from_st2web_sets_the_cookie_its_stream_needs(server):
    status, headers, body = Http(server.urls).call(
        "POST",
        server.urls["auth"] + "/tokens",
        raw=b"",  # st2web posts no body, with a JSON content type
        headers=from_st2web(
            {"Authorization": basic(USER, PASSWORD), "Content-Type": "application/json"}
        ),
    )
    assert status == 201 and body["expiry"] > "2000"
    assert_cors(headers)
    assert cookie_from(headers) == "auth-token=" + body["token"]


def test_a_refused_login_is_readable_by_st2web(server):
    status, headers, body = Http(server.urls).call(
        "POST",
        server.urls["auth"] + "/tokens",
        {},
        headers=from_st2web({"Authorization": basic(USER, "wrong")}),
    )
    assert status == 401 and body["faultstring"]
    assert_cors(headers)  # without it the page could not show the faultstring


def test_the_history_list_and_its_paging_headers(http):
    http.api("POST", "/executions", {"action": "core.noop"})
    status, headers, listed = http.api("GET", HISTORY_LIST, headers=from_st2web())
    assert status == 200
    assert_cors(headers)
    exposed = headers["Access-Control-Expose-Headers"].split(",")
    assert "X-Total-Count" in exposed and "X-Limit" in exposed
    assert int(headers["X-Total-Count"]) >= 1 and headers["X-Limit"] == "50"
    newest = listed[0]
    assert newest["action"]["ref"] == "core.noop"
    assert newest["context"] == {"user": "alice"}
    assert "result" not in newest and "runner" not in newest
    status, _, filters = http.api("GET", "/executions/views/filters", headers=from_st2web())
    assert status == 200 and "core.noop" in filters["action"]


def test_the_stream_with_only_the_login_cookie_shows_an_execution_live(server):
    _status, headers, token = Http(server.urls).login()
    cookie = cookie_from(headers)
    stream = Sse(server.urls["stream"] + "/stream", headers=from_st2web({"Cookie": cookie}))
    try:
        assert stream.status == 200
        assert_cors(stream.headers)
        started = Http(server.urls, token=token["token"]).api(
            "POST", "/executions", {"action": "core.local", "parameters": {"cmd": "echo live"}}
        )[2]
        events = stream.events_until(
            lambda name, data: (
                name == "st2.execution__update"
                and data["id"] == started["id"]
                and data["status"] == "succeeded"
            )
        )
    finally:
        stream.close()
    mine = [(name, data) for _id, name, data in events if data.get("id") == started["id"]]
    assert mine[0][0] == "st2.execution__create"
    last = mine[-1][1]  # the full execution, as st2web replaces its row with it
    assert last["runner"]["name"] == "local-shell-cmd" and last["action"]["ref"] == "core.local"
    assert last["result"]["stdout"] == "live" and last["context"]["user"] == "alice"


def test_details_and_workflow_children_as_st2web_reads_them(http):
    flow = http.api("POST", "/executions", {"action": "apitest.flow", "parameters": {"who": "w"}})
    workflow = finished(http, flow[2]["id"])
    assert workflow["status"] == "succeeded"
    status, _, details = http.api(
        "GET", "/executions/%s?max_result_size=102400" % workflow["id"], headers=from_st2web()
    )
    assert status == 200
    assert details["runner"]["name"] == "orquesta" and "runner_parameters" in details["runner"]
    assert details["action"]["parameters"]["who"]["default"] == "ann"
    assert details["result"]["output"] == {"echoed": "again hello w"}
    status, _, children = http.api(
        "GET",
        "/executions?parent=%s&exclude_attributes=result,trigger_instance" % workflow["id"],
        headers=from_st2web(),
    )
    assert status == 200
    assert sorted(c["action"]["ref"] for c in children) == ["apitest.greet", "core.echo"]
    assert all(c["parent"] == workflow["id"] and "result" not in c for c in children)


def test_the_actions_page_views(http):
    status, _, overview = http.api("GET", "/actions/views/overview/apitest.greet")
    assert status == 200 and overview["ref"] == "apitest.greet"
    parameters = overview["parameters"]
    assert parameters["who"]["required"] is True
    assert "timeout" in parameters and "sudo" in parameters  # the runner's, merged in
    assert parameters["cmd"]["immutable"] is True
    status, _, listed = http.api(
        "GET", "/actions/views/overview?include_attributes=ref,description,parameters"
    )
    greet = [a for a in listed if a["ref"] == "apitest.greet"][0]
    assert set(greet) == {"id", "ref", "description", "parameters"}
    assert greet["parameters"] == parameters
    status, _, view = http.api("GET", "/actions/views/parameters/apitest.greet")
    assert status == 200 and view == {"parameters": parameters}
    status, headers, text = http.api("GET", "/actions/views/entry_point/apitest.flow")
    assert status == 200 and "yaml" in headers["Content-Type"]
    assert "action: apitest.greet who=<% ctx().who %>" in text
    status, _, body = http.api("GET", "/actions/views/entry_point/apitest.greet")
    assert status == 404 and "has no entry_point" in body["faultstring"]
    status, _, body = http.api("GET", "/actions/views/overview/apitest.nope")
    assert status == 404 and "apitest.nope" in body["faultstring"]


def test_the_rules_page_views(http):
    status, _, rules = http.api("GET", "/rules/views?pack=apitest")
    assert status == 200 and [r["ref"] for r in rules] == ["apitest.greet_on_event"]
    rule = rules[0]
    assert rule["action"]["description"] == "Says hello to someone, with an optional secret."
    assert rule["trigger"]["description"] == "A test event."
    status, _, one = http.api("GET", "/rules/views/apitest.greet_on_event")
    assert status == 200 and one == rule
    status, _, plain = http.api("GET", "/rules/apitest.greet_on_event")
    assert status == 200 and "description" not in plain["action"]


def test_an_origin_not_allowed_is_not_echoed():
    serve = start_server(options=["--allow-origin", "https://st2.example.com"])
    try:
        http = Http(serve.urls)
        for origin, allowed in (
            ("https://st2.example.com", "https://st2.example.com"),
            (ST2WEB, ST2WEB),
            ("http://evil.example", "https://st2.example.com"),  # named first: refused
        ):
            _status, headers, _ = http.call(
                "OPTIONS", serve.urls["api"] + "/executions", headers={"Origin": origin}
            )
            assert headers["Access-Control-Allow-Origin"] == allowed
    finally:
        serve.stop()


def test_a_bad_allowed_origin_is_one_line(tmp_path):
    result = st2lite(str(tmp_path), "serve", "--allow-origin", "127.0.0.1:8080/ui")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "--allow-origin" in result.stderr and "SCHEME://HOST[:PORT]" in result.stderr
