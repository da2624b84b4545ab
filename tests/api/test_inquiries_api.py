"""`/api/v1/inquiries` driven by the real `st2 inquiry` CLI (st2client 3.9.0): a workflow
started through the API pauses on `core.ask`, the CLI lists and shows the inquiry, and its
answer resumes the workflow; refused answers get StackStorm's status and message."""

import time

import pytest
from api_testkit import PASSWORD, USER, St2, logged_in, start_server

WAIT_SECONDS = 60


@pytest.fixture(scope="module")
def server():
    serve = start_server()
    yield serve
    code, _out, err = serve.stop()
    assert code == 0, err


@pytest.fixture(scope="module")
def http(server):
    return logged_in(server.urls)


@pytest.fixture(scope="module")
def st2(server):
    cli = St2(server.urls)
    code, output = cli("login", USER, "-p", PASSWORD)
    assert code == 0, output
    return cli


def wait_for_status(http, execution_id, wanted):
    deadline = time.time() + WAIT_SECONDS
    while time.time() < deadline:
        status, _, execution = http.api("GET", "/executions/" + execution_id)
        assert status == 200, execution
        if execution["status"] in wanted:
            return execution
        time.sleep(0.2)
    raise AssertionError(
        "execution %s still %s after %ds, wanted %s"
        % (execution_id, execution["status"], WAIT_SECONDS, wanted)
    )


def paused_on_inquiry(http, approvers=()):
    """Starts apitest.approve through the API; (workflow id, its inquiry's id) once paused."""
    status, _, started = http.api(
        "POST",
        "/executions",
        {"action": "apitest.approve", "parameters": {"approvers": list(approvers)}},
    )
    assert status == 201, started
    wait_for_status(http, started["id"], ("paused",))
    status, _, children = http.api("GET", "/executions/%s/children" % started["id"])
    asks = [c["id"] for c in children if c["action"]["ref"] == "core.ask"]
    assert len(asks) == 1, children
    return started["id"], asks[0]


def test_list_get_and_respond_resume_the_workflow(http, st2):
    workflow_id, inquiry_id = paused_on_inquiry(http)

    code, listed = st2.json("inquiry", "list")
    assert code == 0, listed
    assert inquiry_id in [i["id"] for i in listed]
    code, table = st2("inquiry", "list")
    assert code == 0 and inquiry_id in table and "ops" in table, table

    code, shown = st2.json("inquiry", "get", inquiry_id)
    assert code == 0, shown
    assert shown["route"] == "ops" and shown["users"] == []
    assert shown["schema"]["properties"]["continue"]["type"] == "boolean"

    code, output = st2("inquiry", "respond", inquiry_id, "-r", '{"continue": true}')
    assert code == 0, output
    assert "Response accepted for inquiry %s." % inquiry_id in output

    workflow = wait_for_status(http, workflow_id, ("succeeded", "failed"))
    assert workflow["status"] == "succeeded", workflow
    assert workflow["result"]["output"]["decision"] == "approved"
    answered = http.api("GET", "/executions/" + inquiry_id)[2]
    assert answered["result"]["response"] == {"continue": True}
    assert answered["context"]["inquiry_response"]["user"] == USER
    code, listed = st2.json("inquiry", "list")
    assert inquiry_id not in [i["id"] for i in listed or []]


def test_an_answer_to_an_answered_inquiry_is_refused(http, st2):
    workflow_id, inquiry_id = paused_on_inquiry(http)
    assert st2("inquiry", "respond", inquiry_id, "-r", '{"continue": false}')[0] == 0
    workflow = wait_for_status(http, workflow_id, ("succeeded", "failed"))
    assert workflow["result"]["output"]["decision"] == "rejected"
    status, _, body = http.api(
        "PUT", "/inquiries/" + inquiry_id, {"id": inquiry_id, "response": {"continue": True}}
    )
    assert status == 400
    assert body["faultstring"] == 'Inquiry "%s" has already been responded to.' % inquiry_id


def test_a_response_against_the_schema_is_refused_and_the_workflow_waits(http, st2):
    workflow_id, inquiry_id = paused_on_inquiry(http)
    code, output = st2("inquiry", "respond", inquiry_id, "-r", '{"continue": "yes"}')
    assert code != 0
    assert "400 Client Error" in output and "did not pass schema validation" in output, output
    assert http.api("GET", "/executions/" + workflow_id)[2]["status"] == "paused"
    assert st2("inquiry", "respond", inquiry_id, "-r", '{"continue": true}')[0] == 0
    assert wait_for_status(http, workflow_id, ("succeeded", "failed"))["status"] == "succeeded"


def test_a_user_not_named_in_users_gets_403(http, st2):
    workflow_id, inquiry_id = paused_on_inquiry(http, approvers=["bob"])
    code, output = st2("inquiry", "respond", inquiry_id, "-r", '{"continue": true}')
    assert code != 0
    assert "403 Client Error" in output, output
    assert (
        'User "%s" does not have permission to respond to inquiry "%s".' % (USER, inquiry_id)
        in output
    )
    status, _, shown = http.api("GET", "/inquiries/" + inquiry_id)
    assert status == 200 and shown["users"] == ["bob"]
    assert http.api("GET", "/executions/" + workflow_id)[2]["status"] == "paused"


def test_unknown_and_non_inquiry_ids(http, st2):
    status, _, body = http.api("GET", "/inquiries/5f0000000000000000000000")
    assert status == 404
    assert body["faultstring"] == 'Inquiry "5f0000000000000000000000" is not found.'
    code, output = st2("inquiry", "get", "5f0000000000000000000000")
    assert code != 0 and "not found" in output.lower(), output
    status, _, echo = http.api(
        "POST", "/executions", {"action": "core.echo", "parameters": {"message": "hi"}}
    )
    status, _, body = http.api(
        "PUT", "/inquiries/" + echo["id"], {"id": echo["id"], "response": {"continue": True}}
    )
    assert status == 400
    assert body["faultstring"] == 'Action execution "%s" is not an inquiry.' % echo["id"]


def test_a_body_without_response_is_a_400_naming_it(http):
    workflow_id, inquiry_id = paused_on_inquiry(http)
    status, _, body = http.api("PUT", "/inquiries/" + inquiry_id, {"id": inquiry_id})
    assert status == 400 and "'response' is a required property" in body["faultstring"]
    assert (
        http.api(
            "PUT", "/inquiries/" + inquiry_id, {"id": inquiry_id, "response": {"continue": True}}
        )[0]
        == 200
    )
    assert wait_for_status(http, workflow_id, ("succeeded", "failed"))["status"] == "succeeded"


def test_list_counts_every_pending_inquiry_beyond_the_page(http, st2):
    first = paused_on_inquiry(http)
    second = paused_on_inquiry(http)
    status, headers, page = http.api("GET", "/inquiries?limit=1")
    assert status == 200 and len(page) == 1
    assert int(headers["X-Total-Count"]) >= 2
    code, output = st2("inquiry", "list", "-n", "1")
    assert code == 0 and "Note: Only one inquiry is displayed" in output, output
    for workflow_id, inquiry_id in (first, second):
        assert st2("inquiry", "respond", inquiry_id, "-r", '{"continue": true}')[0] == 0
        assert wait_for_status(http, workflow_id, ("succeeded", "failed"))["status"] == "succeeded"
