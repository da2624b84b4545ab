"""Announcements (StackStorm's `st2.announcement` exchange) kept in SQLite, so that a chat bot
that was not listening when one was published still gets it later, even after a restart.

The table is bounded: at most `max_per_route` announcements per route, none older than `max_age`
seconds; both are enforced on every publish and older rows are never returned. Ids are
increasing integers (never reused), usable as SSE event ids.
"""

import json
import time

from st2lite.store.ids import utc_now_iso

MAX_PER_ROUTE = 1000
MAX_AGE = 24 * 3600

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS announcements ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"  # AUTOINCREMENT: a pruned id is never reused
    " route TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " trace_context TEXT,"
    " created_at TEXT NOT NULL,"
    " created_epoch REAL NOT NULL,"
    " delivered_at TEXT)",
    "CREATE INDEX IF NOT EXISTS announcements_route ON announcements(route, id)",
)


class AnnouncementStore(object):
    def __init__(self, db, max_per_route=MAX_PER_ROUTE, max_age=MAX_AGE):
        self.db = db
        self.max_per_route = max_per_route
        self.max_age = max_age
        # Statement by statement: executescript would commit a transaction the caller has open.
        with self.db.transaction() as conn:
            for statement in SCHEMA:
                conn.execute(statement)

    def add(self, route, payload, trace_context=None):
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO announcements(route, payload, trace_context, created_at,"
                " created_epoch) VALUES (?,?,?,?,?)",
                (route, json.dumps(payload), json.dumps(trace_context), utc_now_iso(), time.time()),
            )
            announcement_id = cursor.lastrowid
            self._prune(conn, route)
        return self.get(announcement_id)

    def get(self, announcement_id):
        rows = self.db.query("SELECT * FROM announcements WHERE id = ?", (announcement_id,))
        return _shape(rows[0]) if rows else None

    def recent(self, route=None, limit=50):
        """The newest first."""
        sql, args = "SELECT * FROM announcements WHERE created_epoch >= ?", [self._oldest()]
        if route:
            sql += " AND route = ?"
            args.append(route)
        rows = self.db.query(sql + " ORDER BY id DESC LIMIT ?", args + [int(limit)])
        return [_shape(row) for row in rows]

    def undelivered(self, route, after_id=0):
        """Those of the route not yet marked delivered, oldest first."""
        rows = self.db.query(
            "SELECT * FROM announcements WHERE route = ? AND id > ? AND delivered_at IS NULL"
            " AND created_epoch >= ? ORDER BY id",
            (route, int(after_id), self._oldest()),
        )
        return [_shape(row) for row in rows]

    def latest_id(self):
        """The id of the newest announcement ever kept here (0: none yet)."""
        rows = self.db.query("SELECT seq FROM sqlite_sequence WHERE name = 'announcements'")
        return int(rows[0]["seq"]) if rows else 0

    def after(self, after_id, limit=500):
        """Those of every route newer than after_id, delivered or not, oldest first."""
        rows = self.db.query(
            "SELECT * FROM announcements WHERE id > ? AND created_epoch >= ? ORDER BY id LIMIT ?",
            (int(after_id), self._oldest(), int(limit)),
        )
        return [_shape(row) for row in rows]

    def undelivered_through(self, last_id):
        """Those of every route up to last_id not yet marked delivered, oldest first."""
        rows = self.db.query(
            "SELECT * FROM announcements WHERE id <= ? AND delivered_at IS NULL"
            " AND created_epoch >= ? ORDER BY id",
            (int(last_id), self._oldest()),
        )
        return [_shape(row) for row in rows]

    def mark_delivered(self, ids):
        ids = [int(i) for i in ids]
        if not ids:
            return 0
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE announcements SET delivered_at = ? WHERE delivered_at IS NULL AND id IN"
                " (%s)" % ",".join("?" * len(ids)),
                [utc_now_iso()] + ids,
            )
        return cursor.rowcount

    def _oldest(self):
        return time.time() - self.max_age

    def _prune(self, conn, route):
        conn.execute("DELETE FROM announcements WHERE created_epoch < ?", (self._oldest(),))
        conn.execute(
            "DELETE FROM announcements WHERE route = ? AND id <= (SELECT id FROM"
            " announcements WHERE route = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (route, route, self.max_per_route),
        )


def _shape(row):
    return {
        "id": row["id"],
        "route": row["route"],
        "payload": json.loads(row["payload"]),
        "trace_context": json.loads(row["trace_context"]) if row["trace_context"] else None,
        "created_at": row["created_at"],
        "delivered_at": row["delivered_at"],
    }
