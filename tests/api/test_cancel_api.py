"""DELETE /executions/{id} and PUT /executions/{id} {"status": ...} on running executions,
with StackStorm's answers, and what the stream and the notify rules see."""

import pytest
from api_testkit import USER, logged_in, start_server

from tests.testkit_process import process_alive
from tests.testkit_wait import wait_until


@pytest.fixture(scope="module")
def server():
    serve = start_server()
    yield serve
    serve.stop()


@pytest.fixture(scope="module")
def http(server):
    return logged_in(server.urls)


def start(http, action, **parameters):
    status, _, body = http.api("POST", "/executions", {"action": action, "parameters": parameters})
    assert status == 201, body
    return body["id"]


def execution(http, execution_id):
    return http.api("GET", "/executions/" + execution_id)[2]


def wait_status(http, execution_id, status):
    return wait_until(
        "%s %s" % (execution_id, status),
        lambda: (lambda e: e if e["status"] == status else None)(execution(http, execution_id)),
    )


def sleeper(tmp_path):
    pid_file = tmp_path / "pid"
    return pid_file, "echo $$ > %s; exec sleep 60" % pid_file


def test_delete_answers_canceling_then_the_execution_ends_canceled(http, tmp_path):
    pid_file, cmd = sleeper(tmp_path)
    execution_id = start(http, "core.local", cmd=cmd)
    pid = int(wait_until("the pid", lambda: pid_file.exists() and pid_file.read_text()))

    status, _, body = http.api("DELETE", "/executions/" + execution_id)

    assert status == 200
    assert body["id"] == execution_id
    assert body["status"] in ("canceling", "canceled")
    ended = wait_status(http, execution_id, "canceled")
    assert ended["result"]["message"] == "Action canceled by user."
    assert ended["result"]["user"] == USER
    assert not process_alive(pid)
    # once canceled it answers with the execution again, as StackStorm does
    assert http.api("DELETE", "/executions/" + execution_id)[2]["status"] == "canceled"


def test_delete_of_a_finished_execution_answers_200_with_a_faultstring(http):
    execution_id = start(http, "core.noop")
    wait_status(http, execution_id, "succeeded")

    status, _, body = http.api("DELETE", "/executions/" + execution_id)

    assert (status, body) == (200, {"faultstring": "Action cannot be canceled. State = succeeded."})


def test_delete_of_an_unknown_execution_is_404(http):
    status, _, body = http.api("DELETE", "/executions/0123456789abcdef01234567")
    assert status == 404
    assert "faultstring" in body


def test_pause_and_resume_a_workflow(http, tmp_path):
    pid_file, gate = tmp_path / "pid", tmp_path / "gate"
    cmd = "echo $$ > %s; while [ ! -e %s ]; do sleep 0.05; done" % (pid_file, gate)
    execution_id = start(http, "apitest.naps", cmd=cmd)
    wait_until("the nap task", lambda: pid_file.exists() and pid_file.read_text())

    status, _, body = http.api("PUT", "/executions/" + execution_id, {"status": "pausing"})

    assert (status, body["status"]) == (200, "pausing")
    gate.touch()  # the nap task ends: the workflow pauses before its next task
    wait_status(http, execution_id, "paused")
    tasks = http.api("GET", "/executions/%s/children" % execution_id)[2]
    started = [(t["context"]["orquesta"]["task_name"], t["status"]) for t in tasks]
    assert started == [("nap", "succeeded")]  # no task starts once the pause was answered

    status, _, body = http.api("PUT", "/executions/" + execution_id, {"status": "resuming"})

    assert (status, body["status"]) == (200, "resuming")
    done = wait_status(http, execution_id, "succeeded")
    assert done["result"]["output"] == {"said": "after the nap"}


def test_pause_of_an_action_that_is_not_a_workflow_is_refused(http, tmp_path):
    pid_file, cmd = sleeper(tmp_path)
    execution_id = start(http, "core.local", cmd=cmd)
    wait_until("the pid", lambda: pid_file.exists() and pid_file.read_text())

    status, _, body = http.api("PUT", "/executions/" + execution_id, {"status": "pausing"})

    assert status == 400
    assert body["faultstring"] == (
        'Failed updating execution. Unable to pause liveaction "%s" because it is not '
        'supported by the "local-shell-cmd" runner.' % execution_id
    )
    http.api("DELETE", "/executions/" + execution_id)
    wait_status(http, execution_id, "canceled")


def test_resume_of_a_finished_execution_is_refused(http):
    execution_id = start(http, "core.noop")
    wait_status(http, execution_id, "succeeded")

    status, _, body = http.api("PUT", "/executions/" + execution_id, {"status": "resuming"})

    assert (status, body) == (400, {"faultstring": "Execution is already in completed state."})
