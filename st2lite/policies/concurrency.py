"""`action.concurrency` and `action.concurrency.attr`: at most `threshold` executions of an action
(with the same values of `attributes`) run at once; the others wait (delay) or are canceled.

The check and the claim happen in one database transaction, so two st2lite processes on the same
state directory never both take the last place. An execution holds a place only while the
runtime that claimed it is alive (st2lite.store.runtimes): one whose process died holds none.
"""

import json
import os
import time

ACTIVE = ("scheduled", "running")
POLL_SECONDS = 0.2


class ConcurrencyPolicy(object):
    def __init__(self, policy):
        params = policy.get("parameters") or {}
        self.ref = policy["ref"]
        self.threshold = int(params.get("threshold", 1))
        self.on_exceed = params.get("action", "delay")
        self.attributes = (
            list(params.get("attributes") or [])
            if policy["policy_type"] == "action.concurrency.attr"
            else None
        )

    def key(self, parameters):
        if self.attributes is None:
            return None
        return dict((name, parameters.get(name)) for name in self.attributes)


def claim(db, owner, execution_id, action_ref, parameters, policies, max_wait):
    """Mark the execution scheduled, owned by OWNER (this process's runtime Registration), once
    every policy has room; returns "scheduled", or "canceled" when a cancel policy is over its
    threshold or the wait exceeds max_wait. While it waits it is `delayed`, owned by OWNER too,
    so that it is settled if this process dies waiting."""
    deadline = time.time() + max_wait
    marked_delayed = False
    while True:
        with db.transaction() as conn:
            if _withdrawn(conn, execution_id):
                return "canceled"  # by a request while it waited: the caller settles it
            blocking = _first_full(
                conn, owner.is_alive, execution_id, action_ref, parameters, policies
            )
            if blocking is None:
                _mark(conn, execution_id, "scheduled", owner)
                return "scheduled"
            if blocking.on_exceed == "cancel" or time.time() > deadline:
                return "canceled"
            if not marked_delayed:
                _mark(conn, execution_id, "delayed", owner)
                marked_delayed = True
        time.sleep(POLL_SECONDS)


def _withdrawn(conn, execution_id):
    row = conn.execute("SELECT status FROM executions WHERE id=?", (execution_id,)).fetchone()
    return row is not None and row["status"] in ("canceling", "canceled")


def _mark(conn, execution_id, status, owner):
    conn.execute(
        "UPDATE executions SET status=?, pid=?, runtime=? WHERE id=?",
        (status, os.getpid(), owner.token, execution_id),
    )


def _first_full(conn, is_alive, execution_id, action_ref, parameters, policies):
    rows = conn.execute(
        "SELECT id, parameters, runtime FROM executions WHERE action=? AND status "
        "IN (?, ?) AND id != ?",
        (action_ref,) + ACTIVE + (execution_id,),
    ).fetchall()
    live = [json.loads(r["parameters"] or "{}") for r in rows if is_alive(r["runtime"])]
    for policy in policies:
        key = policy.key(parameters)
        same = [p for p in live if policy.key(p) == key]
        if len(same) >= policy.threshold:
            return policy
    return None
