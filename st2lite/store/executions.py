"""Execution history: executions with parent/child links, as `st2 execution list/get` shows them."""

import json

from st2lite.store.ids import new_id, utc_now_iso

RUNNING_STATES = ("requested", "scheduled", "delayed", "running", "pausing", "canceling")
FINAL_STATES = ("succeeded", "failed", "timeout", "canceled", "abandoned")


class ExecutionNotFound(Exception):
    pass


class ExecutionStore(object):
    def __init__(self, db):
        self.db = db

    def create(
        self,
        action,
        runner,
        parameters,
        context,
        parent_id=None,
        task=None,
        item=None,
        status="requested",
        notify=None,
    ):
        """`notify`: the execution's own notification settings (an alias execution's route),
        in the shape of an action's `notify` block."""
        execution_id = new_id()
        with self.db.transaction() as conn:
            seq = self.db.next_seq(conn, "executions")
            conn.execute(
                "INSERT INTO executions(id, action, runner, status, parameters, context, parent_id,"
                " task, item, start_timestamp, seq, notify) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    execution_id,
                    action,
                    runner,
                    status,
                    json.dumps(parameters),
                    json.dumps(context),
                    parent_id,
                    task,
                    item,
                    utc_now_iso(),
                    seq,
                    json.dumps(notify) if notify else None,
                ),
            )
        return execution_id

    def update(self, execution_id, **fields):
        """Set columns; result/parameters/context are stored as JSON; final states stamp the end."""
        columns, values = [], []
        for name, value in fields.items():
            if name in ("result", "parameters", "context"):
                value = json.dumps(value)
            columns.append("%s = ?" % name)
            values.append(value)
        if fields.get("status") in FINAL_STATES:
            columns.append("end_timestamp = ?")
            values.append(utc_now_iso())
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE executions SET %s WHERE id = ?" % ", ".join(columns),
                values + [execution_id],
            )

    def transition(self, execution_id, from_statuses, **fields):
        """Update the execution only while its status is one of FROM_STATUSES (checked and
        written in one transaction); whether it was."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT status FROM executions WHERE id = ?", (execution_id,)
            ).fetchone()
            if row is None or row["status"] not in from_statuses:
                return False
            self.update(execution_id, **fields)
        return True

    def claim(self, execution_id, from_status, runtime, pid):
        """Set an execution in `from_status` running in this process (a paused workflow that
        resumes); False when it is not in that status, as when another process took it first."""
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE executions SET status = 'running', runtime = ?, pid = ?"
                " WHERE id = ? AND status = ?",
                (runtime, pid, execution_id, from_status),
            )
        return cursor.rowcount == 1

    def get(self, execution_id, with_children=True):
        rows = self.db.query("SELECT * FROM executions WHERE id = ?", (execution_id,))
        if not rows:
            rows = self.db.query(
                "SELECT * FROM executions WHERE id LIKE ? LIMIT 2", (execution_id + "%",)
            )
            if len(rows) != 1:
                raise ExecutionNotFound(
                    "no execution with id %r: see `st2lite execution list`" % execution_id
                )
        return self._shape(rows[0], with_children)

    def children(self, execution_id):
        rows = self.db.query(
            "SELECT * FROM executions WHERE parent_id = ? ORDER BY seq", (execution_id,)
        )
        return [self._shape(row, with_children=False) for row in rows]

    def list(self, action=None, status=None, limit=50, top_level=True, runner=None):
        sql, args = "SELECT * FROM executions WHERE 1=1", []
        if top_level:
            sql += " AND parent_id IS NULL"
        if runner:
            sql += " AND runner = ?"
            args.append(runner)
        if action:
            sql += " AND action = ?"
            args.append(action)
        if status:
            sql += " AND status = ?"
            args.append(status)
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(int(limit))
        return [self._shape(row, with_children=False) for row in self.db.query(sql, args)]

    def running(self, action=None):
        sql = "SELECT * FROM executions WHERE status IN (%s)" % ",".join("?" * len(RUNNING_STATES))
        args = list(RUNNING_STATES)
        if action:
            sql += " AND action = ?"
            args.append(action)
        return [
            self._shape(row, with_children=False)
            for row in self.db.query(sql + " ORDER BY seq", args)
        ]

    def _shape(self, row, with_children):
        execution = {
            "id": row["id"],
            "action": row["action"],
            "runner": row["runner"],
            "status": row["status"],
            "parameters": json.loads(row["parameters"] or "{}"),
            "result": json.loads(row["result"]) if row["result"] else {},
            "context": json.loads(row["context"] or "{}"),
            "start_timestamp": row["start_timestamp"],
            "end_timestamp": row["end_timestamp"],
            "parent": row["parent_id"],
            "task": row["task"],
            "item": row["item"],
            "pid": row["pid"],
            "runtime": row["runtime"],
            "notify": json.loads(row["notify"]) if row["notify"] else None,
        }
        if with_children:
            execution["children"] = self.children(row["id"])
        return execution
