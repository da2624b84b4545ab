"""The Docker Engine client and event translation on the wire: the recorded /events streams,
the API >= 1.52 event shape, chunks split anywhere, and error answers as one line."""

import json
import socket
import threading

import pytest
from qaeci.sensing.containers import identity_from_attributes
from qaeci.sensing.docker_api import DockerApi, DockerApiError, StreamEnded
from qaeci.sensing.docker_events import DockerEventTranslator, Malformed

from tests.doubles.docker_engine import DockerEngineDouble
from tests.doubles.payloads import load_bytes, load_json


def translator(oom_killed=False):
    return DockerEventTranslator(
        "dev", lambda cid, attrs: identity_from_attributes(attrs), lambda cid: oom_killed
    )


def translate_stream(name):
    out = []
    engine = translator()
    for line in load_bytes("docker", name).splitlines():
        out.extend(t.trigger for t in engine.translate(json.loads(line))[1])
    return out


def test_the_recorded_oom_stream_is_one_health_change_and_one_oom():
    assert translate_stream("events_stream_oom.jsonl.txt") == ["app_health", "container_oom"]


def test_the_recorded_kill_stream_is_one_plain_exit():
    assert translate_stream("events_stream_kill.jsonl.txt") == ["container_exit"]


def test_a_137_without_an_oom_event_is_an_oom_only_if_inspect_says_so():
    event = load_json("docker", "event_container_die_oom.json")
    assert translator(oom_killed=False).translate(event)[1][0].trigger == "container_exit"
    assert translator(oom_killed=True).translate(event)[1][0].trigger == "container_oom"


def test_api_1_52_events_without_the_legacy_fields_translate_the_same():
    [exit_] = translator().translate(load_json("docker", "event_container_die_api_v1.52plus.json"))[
        1
    ]
    assert (exit_.payload["app_id"], exit_.payload["exit_code"]) == ("/qaeci/env1/web", 137)


@pytest.mark.parametrize(
    "event, kind",
    [
        ([1, 2], "not an object"),
        ({"Action": "die", "Actor": {}}, "no Actor.ID"),
        (
            {
                "Action": "die",
                "Actor": {"ID": "c1", "Attributes": {"exitCode": "x"}},
                "timeNano": 1,
            },
            "bad exitCode",
        ),
        ({"Action": "die", "Actor": {"ID": "c1"}}, "no time"),
    ],
)
def test_malformed_events_name_their_kind(event, kind):
    with pytest.raises(Malformed) as problem:
        translator().translate(event)
    assert problem.value.kind == kind


class _SplittingServer(object):
    """Answers /events with `body` written a few bytes at a time."""

    def __init__(self, path, body, step):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(path)
        self.sock.listen(1)
        self.body, self.step = body, step
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        connection, _ = self.sock.accept()
        connection.recv(4096)
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for start in range(0, len(self.body), self.step):
            connection.sendall(self.body[start : start + self.step])
        connection.sendall(b"0\r\n\r\n")
        connection.close()


def test_lines_survive_chunks_and_reads_split_anywhere(tmp_path):
    lines = load_bytes("docker", "events_stream_oom.jsonl.txt").splitlines(True)
    # two events in one chunk, one event over two chunks, then one chunk per event
    chunks = [lines[0] + lines[1], lines[2][:40], lines[2][40:]] + lines[3:]
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
    _SplittingServer(str(tmp_path / "d.sock"), body, step=7)
    stream = DockerApi("unix://%s" % (tmp_path / "d.sock")).events()
    received = []
    with pytest.raises(StreamEnded):
        for line in stream.lines():
            received.append(line + b"\n")
    assert received == lines


def test_a_refused_since_is_one_line_with_the_daemons_message(tmp_path):
    with DockerEngineDouble(socket_path=str(tmp_path / "docker.sock")) as engine:
        with pytest.raises(DockerApiError) as error:
            DockerApi(engine.address).events(since="yesterday")
    assert str(error.value).startswith("Docker daemon unix://")
    assert "HTTP 400: invalid value for 'since'" in str(error.value)


def test_an_absent_daemon_is_one_line(tmp_path):
    with pytest.raises(DockerApiError) as error:
        DockerApi("unix://%s" % (tmp_path / "none.sock")).events()
    assert "No such file or directory" in str(error.value)


def test_inspect_of_an_unknown_container_is_none(tmp_path):
    with DockerEngineDouble(socket_path=str(tmp_path / "docker.sock")) as engine:
        assert DockerApi(engine.address).inspect("feedface") is None
        assert DockerApi(engine.address).ping() is True


def test_a_stream_that_is_not_chunked_json_ends_cleanly(tmp_path):
    _SplittingServer(str(tmp_path / "d.sock"), b"zz\r\n{}\r\n", step=100)
    stream = DockerApi("unix://%s" % (tmp_path / "d.sock")).events()
    with pytest.raises(StreamEnded) as ended:
        list(stream.lines())
    assert "not valid HTTP chunking" in str(ended.value)
