"""Execution output through `st2lite serve`, as StackStorm streams it: `GET
/executions/{id}/output` (also while running), `st2.execution.output__create` on the stream
before the execution ends, and `{stream}/executions/{id}/output` followed to its end."""

import os
import tempfile

import pytest
from api_testkit import SCRATCH, Sse, logged_in, st2lite, start_server

OUTPUT = "st2.execution.output__create"


@pytest.fixture(scope="module")
def server():
    serve = start_server()
    yield serve
    serve.stop()


@pytest.fixture
def http(server):
    return logged_in(server.urls)


@pytest.fixture
def release():
    """A file the held commands wait for: created by the test, or at its end."""
    path = os.path.join(tempfile.mkdtemp(dir=SCRATCH), "release")
    yield path
    open(path, "w").close()


def held_command(release, before, after):
    return "%s; while [ ! -e %s ]; do sleep 0.05; done; %s" % (before, release, after)


def start(http, command):
    status, _, execution = http.api(
        "POST", "/executions", {"action": "core.local", "parameters": {"cmd": command}}
    )
    assert status == 201, execution
    return execution["id"]


def stream(server, http, query):
    sse = Sse("%s/stream?%s&x-auth-token=%s" % (server.urls["stream"], query, http.token))
    assert sse.status == 200
    return sse


def test_the_first_line_is_on_the_stream_before_the_execution_ends(server, http, release):
    sse = stream(server, http, "events=st2.execution__update,%s" % OUTPUT)
    try:
        execution_id = start(http, held_command(release, "echo a; echo warn >&2", "echo b"))
        seen = sse.events_until(lambda name, data: name == OUTPUT and data["data"] == "a\n")
        assert seen[-1][2]["execution_id"] == execution_id
        assert seen[-1][2]["output_type"] == "stdout"
        assert set(seen[-1][2]) == {
            "id",
            "execution_id",
            "action_ref",
            "runner_ref",
            "timestamp",
            "output_type",
            "data",
        }
        status, _, running = http.api("GET", "/executions/%s" % execution_id)
        assert running["status"] == "running"
        status, _, so_far = http.api("GET", "/executions/%s/output" % execution_id)
        assert status == 200 and "a\n" in so_far and "b\n" not in so_far
        open(release, "w").close()
        seen += sse.events_until(
            lambda name, data: name == "st2.execution__update" and data["status"] == "succeeded"
        )
    finally:
        sse.close()
    outputs = [(d["output_type"], d["data"]) for _, name, d in seen if name == OUTPUT]
    assert [o for o in outputs if o[0] == "stdout"] == [("stdout", "a\n"), ("stdout", "b\n")]
    assert [o for o in outputs if o[0] == "stderr"] == [("stderr", "warn\n")]


def test_output_of_a_finished_execution_by_type(http):
    execution_id = start(http, "echo out; echo err >&2; printf last")
    _wait_until_ended(http, execution_id)
    status, headers, text = http.api("GET", "/executions/%s/output" % execution_id)
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert sorted(text.splitlines()) == ["err", "last", "out"]
    _, _, text = http.api("GET", "/executions/%s/output?output_type=stderr" % execution_id)
    assert text == "err\n"
    _, _, text = http.api("GET", "/executions/%s/output?output_type=all" % execution_id)
    assert "out\n" in text and "err\n" in text


def test_the_output_stream_follows_a_running_execution_then_says_eof(server, http, release):
    execution_id = start(http, held_command(release, "echo one", "echo two"))
    sse = Sse(
        "%s/executions/%s/output?x-auth-token=%s"
        % (server.urls["stream"], execution_id, http.token)
    )
    try:
        seen = sse.events_until(lambda name, data: name == OUTPUT and data["data"] == "one\n")
        _, _, running = http.api("GET", "/executions/%s" % execution_id)
        assert running["status"] == "running"
        open(release, "w").close()
        seen += sse.events_until(lambda name, data: name == "EOF")
        assert sse.next_event() is None  # closed after EOF
    finally:
        sse.close()
    assert [d["data"] for _, name, d in seen if name == OUTPUT] == ["one\n", "two\n"]


def test_output_of_an_execution_another_st2lite_process_runs_reaches_the_stream(server, http):
    sse = stream(server, http, "events=%s&action_refs=core.local" % OUTPUT)
    try:
        ran = st2lite(server.state, "run", "core.local", "cmd=echo from elsewhere", "--json")
        assert ran.returncode == 0, ran.stderr
        seen = sse.events_until(lambda name, data: data["data"] == "from elsewhere\n")
    finally:
        sse.close()
    assert seen[-1][2]["runner_ref"] == "local-shell-cmd"


def test_an_unknown_execution_has_no_output(http):
    status, _, body = http.api("GET", "/executions/%s/output" % ("0" * 24))
    assert status == 404 and "faultstring" in body


def _wait_until_ended(http, execution_id):
    """The execution's end, as the stream tells it (it sends at once an end already past)."""
    sse = Sse(
        "%s/stream?events=st2.execution__update&end_event=st2.execution__update"
        "&end_execution_id=%s&x-auth-token=%s" % (http.urls["stream"], execution_id, http.token)
    )
    try:
        sse.events_until(lambda name, data: data["status"] == "succeeded")
    finally:
        sse.close()
