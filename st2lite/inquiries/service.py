"""Inquiries as StackStorm's inquiry service and its /api/v1/inquiries controller handle them.
An inquiry is an execution of the inquirer runner (`core.ask`) that is `pending`: its result
holds the inquiry (schema, roles, users, route, ttl). Responding checks, in StackStorm's order
and with its messages, that it is still pending, that the user may respond, and the response
against the schema; then the execution succeeds with `{..., "response": ...}` and the paused
workflow it belongs to goes on. An inquiry left unanswered past its ttl (minutes; 0 or less:
never) times out, which fails its task as a timed-out action does."""

import calendar
import json
import time

from st2lite.inquiries.response_schema import ResponseInvalid, validate_response
from st2lite.runtime import SYSTEM_USER
from st2lite.store.executions import ExecutionNotFound
from st2lite.store.ids import utc_now_iso

INQUIRER = "inquirer"
SHOWN_FIELDS = ("route", "ttl", "users", "roles", "schema")


class InquiryError(Exception):
    """A refusal, with StackStorm's message and the HTTP status its API answers it with."""

    def __init__(self, message, http_status):
        super().__init__(message)
        self.http_status = http_status


class InquiryService(object):
    """`resume(execution_id)` goes on with a paused workflow once an inquiry of it is answered
    or timed out: in a process of its own for a command that ends (st2lite.inquiries.resuming),
    on a thread for `serve`."""

    def __init__(self, runtime, resume):
        self.runtime = runtime
        self.resume = resume

    def list(self, limit=50):
        """The pending inquiries, newest first, as GET /api/v1/inquiries shows them."""
        self.expire_overdue()
        rows = self.runtime.executions.list(
            status="pending", runner=INQUIRER, top_level=False, limit=limit
        )
        return [_shown(row) for row in rows]

    def get(self, inquiry_id):
        """One pending inquiry, as GET /api/v1/inquiries/ID shows it."""
        self.expire_overdue()
        return _shown(self._pending(inquiry_id))

    def respond(self, inquiry_id, response, requester=None):
        """{"id", "response"} once accepted, as PUT /api/v1/inquiries/ID answers."""
        requester = requester or SYSTEM_USER
        self.expire_overdue()
        inquiry = self._pending(inquiry_id)
        _check_permission(inquiry, requester)
        _check_response(inquiry, response)
        with self.runtime.db.transaction():  # an answer that came meanwhile wins
            inquiry = self._pending(inquiry["id"])
            self.runtime.executions.update(
                inquiry["id"],
                status="succeeded",
                result=dict(inquiry["result"], response=response),
                context=dict(
                    inquiry["context"],
                    inquiry_response={"user": requester, "timestamp": utc_now_iso()},
                ),
            )
            paused = self._paused_root(inquiry)
        self._ended(inquiry["id"], paused)
        return {"id": inquiry["id"], "response": response}

    def expire_overdue(self, now=None):
        """Time out every pending inquiry past its ttl, as StackStorm's garbage collector does
        (with purge_inquiries on); returns their ids."""
        now = time.time() if now is None else now
        expired = []
        for row in self.runtime.executions.list(
            status="pending", runner=INQUIRER, top_level=False, limit=-1
        ):
            if _overdue(row, now) and self._time_out(row["id"]):
                expired.append(row["id"])
        return expired

    # -- internals ----------------------------------------------------------------------------
    def _time_out(self, inquiry_id):
        with self.runtime.db.transaction():
            inquiry = self.runtime.executions.get(inquiry_id, with_children=False)
            if inquiry["status"] != "pending":
                return False
            self.runtime.executions.update(inquiry_id, status="timeout")
            paused = self._paused_root(inquiry)
        self._ended(inquiry_id, paused)
        return True

    def _ended(self, inquiry_id, paused_root):
        self.runtime.announce_end(inquiry_id)
        if paused_root is not None:
            self.resume(paused_root)

    def _pending(self, inquiry_id):
        try:
            execution = self.runtime.executions.get(inquiry_id, with_children=False)
        except ExecutionNotFound as error:
            raise InquiryError('Inquiry "%s" is not found.' % inquiry_id, 404) from error
        if execution["runner"] != INQUIRER:
            raise InquiryError('Action execution "%s" is not an inquiry.' % execution["id"], 400)
        if execution["status"] == "timeout":
            raise InquiryError(
                'Inquiry "%s" timed out and cannot be responded to.' % execution["id"], 400
            )
        if execution["status"] != "pending":
            raise InquiryError('Inquiry "%s" has already been responded to.' % execution["id"], 400)
        return execution

    def _paused_root(self, execution):
        """The id of the workflow to resume for this execution's news: its top-most workflow,
        when that is paused. One still running goes on by itself: it watches what it waits on."""
        while execution.get("parent"):
            execution = self.runtime.executions.get(execution["parent"], with_children=False)
        return execution["id"] if execution["status"] == "paused" else None


def _shown(execution):
    shown = {"id": execution["id"]}
    shown.update((name, (execution["result"] or {}).get(name)) for name in SHOWN_FIELDS)
    return shown


def _check_permission(inquiry, requester):
    """StackStorm's check: `users`, when given, must name the requester. `roles` need RBAC,
    which st2lite has not: as on StackStorm without RBAC, every user has every role."""
    users = (inquiry["result"] or {}).get("users") or []
    if users and requester not in users:
        raise InquiryError(
            'User "%s" does not have permission to respond to inquiry "%s".'
            % (requester, inquiry["id"]),
            403,
        )


def _check_response(inquiry, response):
    if not isinstance(response, dict):
        raise InquiryError(
            'Response for inquiry "%s" must be a JSON object, as in '
            '{"continue": true}; got %s.' % (inquiry["id"], json.dumps(response)),
            400,
        )
    try:
        validate_response(response, (inquiry["result"] or {}).get("schema") or {})
    except ResponseInvalid as e:
        raise InquiryError(
            'Response for inquiry "%s" did not pass schema validation. %s' % (inquiry["id"], e), 400
        ) from e


def _overdue(inquiry, now):
    """Whole minutes since it started beyond its ttl, as StackStorm counts them."""
    ttl = int((inquiry["result"] or {}).get("ttl") or 0)
    if ttl <= 0:
        return False
    started = calendar.timegm(time.strptime(inquiry["start_timestamp"][:19], "%Y-%m-%dT%H:%M:%S"))
    return int((now - started) / 60) > ttl
