"""Trigger instances and rule enforcements, as `st2 trigger-instance list` / `st2 rule-enforcement list`."""

import json

from st2lite.store.ids import new_id, utc_now_iso


class TriggerStore(object):
    def __init__(self, db):
        self.db = db

    def add_instance(self, trigger, payload, status="processing"):
        instance_id = new_id()
        with self.db.transaction() as conn:
            seq = self.db.next_seq(conn, "trigger_instances")
            conn.execute(
                "INSERT INTO trigger_instances(id, trigger, payload, occurrence_time, status,"
                " seq) VALUES (?,?,?,?,?,?)",
                (instance_id, trigger, json.dumps(payload), utc_now_iso(), status, seq),
            )
        return instance_id

    def set_instance_status(self, instance_id, status):
        with self.db.transaction() as conn:
            conn.execute("UPDATE trigger_instances SET status=? WHERE id=?", (status, instance_id))

    def add_enforcement(self, rule, instance_id, execution_id, status, failure_reason=None):
        enforcement_id = new_id()
        with self.db.transaction() as conn:
            seq = self.db.next_seq(conn, "rule_enforcements")
            conn.execute(
                "INSERT INTO rule_enforcements(id, rule, trigger_instance_id, execution_id,"
                " status, failure_reason, enforced_at, seq) VALUES (?,?,?,?,?,?,?,?)",
                (
                    enforcement_id,
                    rule,
                    instance_id,
                    execution_id,
                    status,
                    failure_reason,
                    utc_now_iso(),
                    seq,
                ),
            )
        return {
            "id": enforcement_id,
            "rule": rule,
            "trigger_instance": instance_id,
            "execution": execution_id,
            "status": status,
            "failure_reason": failure_reason,
        }

    def instances(self, trigger=None, limit=50):
        sql, args = "SELECT * FROM trigger_instances", []
        if trigger:
            sql += " WHERE trigger = ?"
            args.append(trigger)
        rows = self.db.query(sql + " ORDER BY seq DESC LIMIT ?", args + [int(limit)])
        return [_instance(r) for r in rows]

    def instances_by_id(self, instance_ids):
        """{id: trigger instance} of those of INSTANCE_IDS that exist."""
        wanted = sorted(set(i for i in instance_ids if i))
        found = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.db.query(
                "SELECT * FROM trigger_instances WHERE id IN (%s)" % ",".join("?" * len(chunk)),
                chunk,
            )
            found.update((r["id"], _instance(r)) for r in rows)
        return found

    def enforcements(self, rule=None, limit=50):
        sql, args = "SELECT * FROM rule_enforcements", []
        if rule:
            sql += " WHERE rule = ?"
            args.append(rule)
        rows = self.db.query(sql + " ORDER BY seq DESC LIMIT ?", args + [int(limit)])
        return [
            {
                "id": r["id"],
                "rule": r["rule"],
                "trigger_instance": r["trigger_instance_id"],
                "execution": r["execution_id"],
                "status": r["status"],
                "failure_reason": r["failure_reason"],
                "enforced_at": r["enforced_at"],
            }
            for r in rows
        ]


def _instance(row):
    return {
        "id": row["id"],
        "trigger": row["trigger"],
        "payload": json.loads(row["payload"]),
        "occurrence_time": row["occurrence_time"],
        "status": row["status"],
    }
