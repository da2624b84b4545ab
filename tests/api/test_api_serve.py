"""`st2lite serve`'s API options: --no-auth (loopback only), bad addresses, heartbeats, and a
clean stop on SIGTERM with a stream client still connected."""

import tempfile

from api_testkit import SCRATCH, Http, Sse, st2lite, start_server


def test_no_auth_answers_without_credentials_and_acts_as_stanley():
    serve = start_server(auth=False)
    assert serve.banner.rstrip().endswith("(auth off)")
    try:
        http = Http(serve.urls)
        status, _, user = http.api("GET", "/user")
        assert status == 200 and user["username"] == "stanley"
        status, _, created = http.api(
            "POST", "/executions", {"action": "core.noop", "user": "carol"}
        )
        assert status == 201 and created["context"]["user"] == "carol"
    finally:
        code, out, _err = serve.stop()
    assert code == 0


def test_no_auth_is_refused_on_a_public_address():
    state = tempfile.mkdtemp(dir=SCRATCH)
    proc = st2lite(state, "serve", "--bind", "0.0.0.0:0", "--no-auth")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "st2lite: --no-auth serves anyone who can connect: it is refused on 0.0.0.0; bind a "
        "loopback address (127.0.0.1:PORT) or leave auth on"
    ]


def test_a_bad_bind_is_one_line():
    proc = st2lite(tempfile.mkdtemp(dir=SCRATCH), "serve", "--bind", "localhost")
    assert proc.returncode == 2
    assert "invalid --bind 'localhost': write HOST:PORT" in proc.stderr


def test_a_busy_port_is_one_line():
    serve = start_server()
    try:
        busy = serve.urls["api"].rsplit(":", 1)[1].split("/")[0]
        proc = st2lite(
            tempfile.mkdtemp(dir=SCRATCH),
            "serve",
            "--api-port",
            busy,
            "--auth-port",
            "0",
            "--stream-port",
            "0",
        )
        assert proc.returncode == 2
        assert "cannot listen on 127.0.0.1:%s" % busy in proc.stderr
    finally:
        serve.stop()


def test_heartbeats_and_sigterm_with_a_stream_open():
    serve = start_server(auth=False, options=["--heartbeat", "0.1"])
    stream = None
    try:
        stream = Sse(serve.urls["stream"] + "/stream?events=st2.nothing")
        assert stream.status == 200
        for _ in range(3):  # the first at once, as StackStorm sends it, then the heartbeats
            assert stream.response.fp.readline() == b"\n"
    finally:
        code, out, err = serve.stop()
        if stream:
            assert stream.next_event() is None  # the server ended the stream
            stream.close()
    assert code == 0, err
    assert "stopped" in out
