"""The Marathon double answers as Marathon does: what the back end and the event sensor rely on."""

import base64
import json
import socket
import urllib.error
import urllib.request

import pytest

from tests.doubles.marathon import MarathonDouble

APP = {"id": "/qaeci/env1/web", "cmd": "exec ./serve", "instances": 1}


@pytest.fixture
def marathon():
    with MarathonDouble(credentials="qaeci:secret", start_delay=0.02) as double:
        yield double


def call(marathon, method, path, body=None, credentials="qaeci:secret"):
    request = urllib.request.Request(
        marathon.url + path, method=method, data=None if body is None else json.dumps(body).encode()
    )
    request.add_header("Content-Type", "application/json")
    if credentials:
        token = base64.b64encode(credentials.encode()).decode()
        request.add_header("Authorization", "Basic " + token)
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            raw = reply.read()
            return reply.status, reply.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, error.headers, json.loads(raw)
        except ValueError:
            return error.code, error.headers, raw


class EventStream(object):
    """A raw /v2/events client: the bytes exactly as the double sends them."""

    def __init__(self, marathon, query="", accept="text/event-stream"):
        port = int(marathon.url.rsplit(":", 1)[1])
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        token = base64.b64encode(b"qaeci:secret").decode()
        self.sock.sendall(
            (
                "GET /v2/events%s HTTP/1.1\r\nHost: x\r\nAccept: %s\r\n"
                "Authorization: Basic %s\r\n\r\n" % (query, accept, token)
            ).encode()
        )
        self.data = b""

    def read_until(self, needle):
        while needle not in self.data:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.data += chunk
        return self.data

    def read_to_end(self):
        return self.read_until(b"\0never\0")

    def event_names(self):
        return [
            line[len(b"event: ") :].decode()
            for line in self.data.split(b"\r\n")
            if line.startswith(b"event: ")
        ]

    def close(self):
        self.sock.close()


def test_wrong_credentials_are_refused_with_a_basic_challenge(marathon):
    status, headers, _ = call(marathon, "GET", "/v2/info", credentials="qaeci:wrong")
    assert status == 401
    assert headers["WWW-Authenticate"].lower().startswith("basic realm=")
    assert call(marathon, "GET", "/v2/info")[0] == 200


def test_a_new_app_is_deployed_to_a_running_task_that_answers_on_loopback(marathon):
    status, headers, body = call(marathon, "POST", "/v2/apps", APP)
    assert status == 201
    assert body["deployments"] == [{"id": headers["Marathon-Deployment-Id"]}]
    assert "versionInfo" not in body
    marathon.wait_for(lambda: not call(marathon, "GET", "/v2/deployments")[2])
    app = call(marathon, "GET", "/v2/apps/qaeci/env1/web")[2]["app"]
    (task,) = app["tasks"]
    assert task["state"] == "TASK_RUNNING" and task["host"].startswith("127.")
    with urllib.request.urlopen("http://%s:%d/health" % (task["host"], task["ports"][0])) as reply:
        assert reply.status == 200


def test_ids_are_validated_and_existing_ids_conflict(marathon):
    status, _, body = call(marathon, "POST", "/v2/apps", dict(APP, id="/qaeci/env_1/web"))
    assert status == 422 and body["details"][0]["path"] == "/id"
    assert call(marathon, "POST", "/v2/apps", APP)[0] == 201
    status, _, body = call(marathon, "POST", "/v2/apps", APP)
    assert (status, body["message"]) == (409, "An app with id [/qaeci/env1/web] already exists.")


def test_a_held_app_answers_409_until_released_or_forced(marathon):
    call(marathon, "POST", "/v2/apps", APP)
    marathon.wait_for(lambda: not marathon.cluster.deployments)
    holder = marathon.hold_app("/qaeci/env1/web")
    status, _, body = call(marathon, "PUT", "/v2/apps/qaeci/env1/web", {"cmd": "exec ./v2"})
    assert status == 409 and body["deployments"] == [{"id": holder}]
    status, headers, body = call(
        marathon, "PUT", "/v2/apps/qaeci/env1/web?force=true", {"cmd": "exec ./v2"}
    )
    assert status == 200 and body["deploymentId"] == headers["Marathon-Deployment-Id"]
    assert [event["id"] for event in marathon.events("deployment_failed")] == [holder]


def test_deleting_the_group_removes_apps_and_groups(marathon):
    call(marathon, "POST", "/v2/apps", APP)
    marathon.wait_for(lambda: not marathon.cluster.deployments)
    assert call(marathon, "DELETE", "/v2/apps/qaeci/env1/web")[0] == 200
    assert marathon.groups() == ["/qaeci", "/qaeci/env1"]  # Marathon keeps empty groups
    assert call(marathon, "DELETE", "/v2/groups/qaeci/env1")[0] == 200
    assert marathon.groups() == ["/qaeci"]
    assert call(marathon, "GET", "/v2/groups/qaeci/env1")[0] == 404


def test_a_killed_task_is_relaunched_on_another_agent(marathon):
    call(marathon, "POST", "/v2/apps", APP)
    marathon.wait_for(lambda: not marathon.cluster.deployments)
    ((task_id, _, old_host, _),) = marathon.tasks("/qaeci/env1/web")
    new_id = marathon.kill_task(task_id)
    marathon.wait_for(lambda: marathon.tasks("/qaeci/env1/web")[0][1] == "TASK_RUNNING")
    ((running_id, _, new_host, _),) = marathon.tasks("/qaeci/env1/web")
    assert running_id == new_id and new_host != old_host


def test_the_event_stream_starts_attached_and_carries_the_deployment(marathon):
    stream = EventStream(marathon)
    try:
        stream.read_until(b"event_stream_attached")
        call(marathon, "POST", "/v2/apps", APP)
        stream.read_until(b"event: deployment_success")
        head, _, _ = stream.data.partition(b"\r\n\r\n")
        assert b"Content-Type: text/event-stream;charset=UTF-8" in head
        names = stream.event_names()
        assert names[0] == "event_stream_attached"
        updates = [name for name in names if name == "status_update_event"]
        assert len(updates) == 3  # staging, starting, running
        assert b"\r\ndata: {" in stream.data
    finally:
        stream.close()


def test_the_event_type_filter_and_a_cut(marathon):
    stream = EventStream(marathon, "?event_type=deployment_success")
    try:
        call(marathon, "POST", "/v2/apps", APP)
        stream.read_until(b"event: deployment_success")
        assert set(stream.event_names()) == {"deployment_success"}
        marathon.cut_streams()
        stream.read_to_end()  # the server closed it
    finally:
        stream.close()


def test_a_wrong_accept_header_gets_the_recorded_405(marathon):
    stream = EventStream(marathon, accept="application/json")
    try:
        assert stream.read_to_end().startswith(b"HTTP/1.1 405 ")
    finally:
        stream.close()


def test_leadership_moves_to_the_second_front_end(marathon):
    second = MarathonDouble(credentials="qaeci:secret", cluster=marathon.cluster).start()
    try:
        stream = EventStream(marathon)
        stream.read_until(b"event_stream_attached")
        marathon.elect(second)
        stream.read_to_end()  # the old leader closed it
        stream.close()
        assert call(marathon, "GET", "/v2/leader")[2]["leader"] == second.hostport
        assert call(second, "GET", "/v2/info")[2]["elected"] is True
    finally:
        second.stop()


def test_cancelling_a_deployment_reverts_it_unless_forced(marathon):
    marathon.starve("/qaeci/env1/web")
    _, headers, _ = call(marathon, "POST", "/v2/apps", APP)
    deployment_id = headers["Marathon-Deployment-Id"]
    status, headers, body = call(marathon, "DELETE", "/v2/deployments/" + deployment_id)
    assert status == 200 and body["deploymentId"] == headers["Marathon-Deployment-Id"]
    marathon.wait_for(lambda: not marathon.cluster.deployments)
    assert marathon.apps() == []  # the new app was reverted
    assert call(marathon, "DELETE", "/v2/deployments/" + deployment_id)[0] == 404
    _, headers, _ = call(marathon, "POST", "/v2/apps", APP)
    status, _, _ = call(
        marathon, "DELETE", "/v2/deployments/%s?force=true" % headers["Marathon-Deployment-Id"]
    )
    assert status == 202 and marathon.apps() == ["/qaeci/env1/web"]
