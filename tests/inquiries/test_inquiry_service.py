"""The inquiry service as the API and `serve` use it, in one process: expiry by whole minutes,
and the paused workflow handed to the resume of the caller's choosing."""

import calendar
import time

import pytest
from inquiry_cli import PACKS, child

from st2lite.inquiries import ExpiryWatch, InquiryError, InquiryService, in_background
from st2lite.runtime import Runtime


@pytest.fixture
def runtime(tmp_path):
    return Runtime([PACKS], str(tmp_path / "state"))


def _started(execution):
    return calendar.timegm(time.strptime(execution["start_timestamp"][:19], "%Y-%m-%dT%H:%M:%S"))


def _paused(runtime, **parameters):
    workflow = runtime.execute("inq.approve", parameters, context={"user": "alice"}, cast=True)
    assert workflow["status"] == "paused"
    return workflow, child(workflow, "ask")


def test_an_inquiry_times_out_once_whole_minutes_past_its_ttl_exceed_it(runtime):
    workflow, ask = _paused(runtime, ttl=1)
    resumed = []
    service = InquiryService(runtime, resumed.append)
    assert service.expire_overdue(now=_started(ask) + 119) == []
    assert service.expire_overdue(now=_started(ask) + 121) == [ask["id"]]
    assert resumed == [workflow["id"]]
    assert runtime.executions.get(ask["id"])["status"] == "timeout"
    assert runtime.resume(workflow["id"])["status"] == "failed"
    assert service.expire_overdue(now=_started(ask) + 3600) == []


def test_a_ttl_of_zero_never_expires(runtime):
    _workflow, ask = _paused(runtime, ttl=0)
    assert InquiryService(runtime, None).expire_overdue(now=_started(ask) + 10**7) == []


def test_refusals_carry_the_status_the_api_answers_with(runtime):
    _workflow, ask = _paused(runtime, approvers=["bob"])
    service = InquiryService(runtime, None)
    with pytest.raises(InquiryError) as refused:
        service.respond(ask["id"], {"continue": True}, "alice")
    assert refused.value.http_status == 403
    with pytest.raises(InquiryError) as invalid:
        service.respond(ask["id"], {"continue": 1}, "bob")
    assert invalid.value.http_status == 400
    with pytest.raises(InquiryError) as missing:
        service.get("ffffffffffffffffffffffff")
    assert missing.value.http_status == 404


def test_serve_resumes_on_a_thread_of_its_own(runtime):
    workflow, ask = _paused(runtime)
    service = InquiryService(runtime, in_background(runtime))
    assert service.respond(ask["id"], {"continue": True}, "alice") == {
        "id": ask["id"],
        "response": {"continue": True},
    }
    runtime.wait_background(60)
    done = runtime.executions.get(workflow["id"])
    assert done["status"] == "succeeded"
    assert done["result"]["output"]["decision"] == "approved"


def test_the_expiry_watch_times_out_overdue_inquiries_until_stopped(runtime):
    workflow, ask = _paused(runtime, ttl=1)
    with runtime.db.transaction() as conn:
        conn.execute(
            "UPDATE executions SET start_timestamp = '2020-01-01T00:00:00.000000Z' WHERE id = ?",
            (ask["id"],),
        )
    watch = ExpiryWatch(InquiryService(runtime, in_background(runtime)), interval=3600).start()
    deadline = time.monotonic() + 60
    while runtime.executions.get(ask["id"])["status"] == "pending":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    watch.stop()
    runtime.wait_background(60)
    assert runtime.executions.get(workflow["id"])["status"] == "failed"
