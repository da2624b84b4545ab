"""Config rendering (sandboxed, strict), check polling against a real loopback server, and the
environment state kept through the datastore API."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from qaeci import checks, render
from qaeci.action_support import parse_branches
from qaeci.errors import PlanError, RenderError
from qaeci.state import EnvState, environment_names

ADDRESSES = {
    "api": {
        "host": "127.0.0.1",
        "port": 9001,
        "url": "http://127.0.0.1:9001",
        "public_url": "http://api.qa1.localhost:8080/",
    },
    "items": {
        "host": "127.0.0.1",
        "port": 9002,
        "url": "http://127.0.0.1:9002",
        "public_url": "http://items.qa1.localhost:8080/",
    },
}
SERVICES = {
    "mysql": {"host": "127.0.0.1", "port": 3307, "user": "u", "password": "p", "database": "qa1"}
}
VARIABLES = render.template_variables("qa1", "localhost", "dev", "api", ADDRESSES, SERVICES)


def test_every_documented_variable_renders():
    text = (
        "{{ env.name }} {{ env.domain }} {{ env.deploy_type }} {{ app.code }} {{ app.port }} "
        "{{ apps.api.url }} {{ apps.api.public_url }} {{ apps.api.host }}:{{ apps.api.port }} "
        "{{ services.mysql.user }}@{{ services.mysql.host }}:{{ services.mysql.port }}/"
        "{{ services.mysql.database }} {{ apps['items'].url }} {{ apps.items.port }}"
    )
    assert render.render_text(text, VARIABLES, "conf/app.properties") == (
        "qa1 localhost dev api 9001 http://127.0.0.1:9001 http://api.qa1.localhost:8080/ "
        "127.0.0.1:9001 u@127.0.0.1:3307/qa1 http://127.0.0.1:9002 9002"
    )


@pytest.mark.parametrize(
    "text, variable",
    [
        ("{{ apps.web.url }}", "apps.web"),
        ("{{ apps.api.urll }}", "apps.api.urll"),
        ("{{ services.redis.port }}", "services.redis"),
        ("x\n{{ nope }}", "nope"),
    ],
)
def test_unknown_names_are_errors_naming_file_and_variable(text, variable):
    with pytest.raises(RenderError) as caught:
        render.render_text(text, VARIABLES, "conf/app.properties")
    message = str(caught.value)
    assert message.startswith("conf/app.properties: unknown variable %s;" % variable)
    assert "\n" not in message


def test_the_sandbox_refuses_unsafe_expressions():
    with pytest.raises(RenderError) as caught:
        render.render_text("{{ ''.__class__.__mro__ }}", VARIABLES, "conf/x")
    assert "conf/x" in str(caught.value)


def test_syntax_errors_name_the_line():
    with pytest.raises(RenderError) as caught:
        render.render_text("a\n{{ env.name ", VARIABLES, "conf/x")
    assert "conf/x line 2: template syntax error" in str(caught.value)


def test_render_files_in_place_and_missing_template(tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "app.properties").write_text("db.port={{ services.mysql.port }}\n")
    digest = render.render_files(str(tmp_path), ["conf/app.properties"], VARIABLES, "api")
    assert (tmp_path / "conf" / "app.properties").read_text() == "db.port=3307\n"
    assert len(digest) == 64
    with pytest.raises(RenderError) as caught:
        render.render_files(str(tmp_path), ["conf/absent.yml"], VARIABLES, "api")
    assert "config template conf/absent.yml is not in the artifact of api" in str(caught.value)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.hits += 1
        status = 200 if server.hits > server.fail_first else 503
        if self.path == "/missing":
            status = 404
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.hits, server.fail_first = 0, 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def base(server):
    return "http://127.0.0.1:%d" % server.server_address[1]


def test_checks_pass_once_the_app_answers_2xx(http_server):
    http_server.fail_first = 3
    result = checks.wait_healthy(base(http_server), ["/health"], timeout=10, interval=0.05)
    assert result.ok and http_server.hits == 4


def test_checks_give_up_at_the_timeout_with_the_reason(http_server):
    # Time passes only while the app answers, 0.25 s a request: the 0.6 s timeout has passed
    # after the third request, and no fourth is made.
    def clock():
        return http_server.hits * 0.25

    result = checks.wait_healthy(
        base(http_server), ["/missing"], timeout=0.6, interval=0.1, clock=clock
    )
    assert not result.ok
    assert result.reason == "check failed after 0.6s: %s/missing answered HTTP 404" % base(
        http_server
    )
    assert http_server.hits == 3


def test_checks_against_a_closed_port_say_it_did_not_answer():
    result = checks.wait_healthy("http://127.0.0.1:1", ["/health"], timeout=0.3, interval=0.1)
    assert not result.ok and "did not answer" in result.reason


def test_an_app_without_check_urls_is_healthy_without_listening_anywhere():
    assert checks.wait_healthy("http://127.0.0.1:1", [], timeout=30).ok


def test_checks_find_an_app_that_starts_listening_late(http_server):
    port = http_server.server_address[1]
    http_server.shutdown()
    http_server.server_close()  # nothing listens on the port for now
    servers = []

    def listen_late():
        late = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        late.hits, late.fail_first = 0, 1
        servers.append(late)
        late.serve_forever()

    starter = threading.Timer(0.4, listen_late)
    starter.start()
    try:
        result = checks.wait_healthy("http://127.0.0.1:%d" % port, ["/health"], timeout=10)
        assert result.ok and servers[0].hits == 2  # refused, then a 503, then a 2xx
    finally:
        for late in servers:
            late.shutdown()
            late.server_close()
        starter.join(5)


def test_checks_stop_early_when_the_process_is_gone(http_server):
    http_server.fail_first = 10**6  # the port answers, 503, until the 30 s timeout
    result = checks.wait_healthy(
        base(http_server),
        ["/health"],
        timeout=30,
        interval=0.05,
        gone=lambda: "process exited (status 1)",
    )
    assert not result.ok and result.reason == "process exited (status 1)"
    assert http_server.hits == 1  # one request, then the process was seen gone


def test_state_records_are_json_per_app_and_listable(datastore):
    state = EnvState(datastore, "qa1")
    state.save_environment({"env": "qa1", "creator": "alice"})
    state.save_app("web", {"status": "healthy"})
    state.update_app("web", port=9001)
    state.save_build("web", {"status": "built"})
    EnvState(datastore, "qa2").save_environment({"env": "qa2"})
    assert json.loads(datastore.values["qaeci.env.qa1.app.web"]) == {
        "status": "healthy",
        "port": 9001,
    }
    assert state.apps() == {"web": {"status": "healthy", "port": 9001}}
    assert environment_names(datastore) == ["qa1", "qa2"]
    state.forget()
    assert environment_names(datastore) == ["qa2"]
    assert not [k for k in datastore.values if k.startswith("qaeci.env.qa1")]


def test_state_tolerates_foreign_or_corrupt_values(datastore):
    datastore.set_value("qaeci.env.qa1", "not json", local=False)
    assert EnvState(datastore, "qa1").environment() is None


@pytest.mark.parametrize(
    "given, expected",
    [
        (["web=feature-x", "api:fix-1"], {"web": "feature-x", "api": "fix-1"}),
        ("web=feature/x,api=release-2.3", {"web": "feature/x", "api": "release-2.3"}),
        (None, {}),
    ],
)
def test_branch_overrides_parse(given, expected):
    assert parse_branches(given) == expected


def test_a_malformed_branch_override_is_refused():
    with pytest.raises(PlanError) as caught:
        parse_branches(["web"])
    assert "is not APP=BRANCH" in str(caught.value)


def test_report_marks_apps_without_an_outcome_of_this_run_as_interrupted():
    from qaeci.report import run_report

    environment = {
        "env": "qa1",
        "template": "demo",
        "deploy_type": "dev",
        "creator": "alice",
        "selected": ["api", "web"],
        "service_names": ["redis"],
        "plan": {"web": {"commit": "c" * 40}},
    }
    records = {
        "api": {
            "run": "r2",
            "status": "healthy",
            "commit": "a" * 40,
            "built": True,
            "deployed": True,
        },
        "web": {"run": "r1", "status": "healthy"},
    }
    healthy, output = run_report(
        environment, records, "r2", {"status": "failed", "reason": "redis died"}, "localhost", 8080
    )
    assert healthy is False
    assert output["apps"]["api"] == {
        "status": "healthy",
        "commit": "a" * 40,
        "built": True,
        "deployed": True,
        "url": "http://api.qa1.localhost:8080/",
    }
    assert output["apps"]["web"]["status"] == "failed"
    assert "interrupted" in output["apps"]["web"]["reason"]
    assert output["apps"]["web"]["commit"] == "c" * 40
    assert output["services"] == {"redis": {"status": "failed", "reason": "redis died"}}
