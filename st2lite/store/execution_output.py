"""Execution output (StackStorm's ActionExecutionOutput): the lines an action printed, stored
while it runs, so that any st2lite process can show them and follow them as they come.

A chunk is {id, execution_id, action_ref, runner_ref, timestamp, output_type, data}: `data` one
line (with its newline), `output_type` stdout or stderr. Ids are increasing integers shared by
all executions, so "what is new since id N" is one indexed query.
"""

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS execution_output ("
    " id INTEGER PRIMARY KEY,"
    " execution_id TEXT NOT NULL,"
    " action_ref TEXT NOT NULL,"
    " runner_ref TEXT NOT NULL,"
    " timestamp TEXT NOT NULL,"
    " output_type TEXT NOT NULL,"
    " data TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS execution_output_execution ON execution_output(execution_id, id)",
)
FIELDS = ("execution_id", "action_ref", "runner_ref", "timestamp", "output_type", "data")
READ_LIMIT = 1000


class OutputStore(object):
    def __init__(self, db):
        self.db = db
        # Statement by statement: executescript would commit a transaction the caller has open.
        with self.db.transaction() as conn:
            for statement in SCHEMA:
                conn.execute(statement)

    def add(self, chunks):
        """Store chunks (dicts of FIELDS) in one transaction, in their order."""
        if not chunks:
            return
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT INTO execution_output(%s) VALUES (?,?,?,?,?,?)" % ", ".join(FIELDS),
                [tuple(chunk[name] for name in FIELDS) for chunk in chunks],
            )

    def for_execution(self, execution_id, output_type=None, after_id=0):
        """The execution's chunks newer than after_id, oldest first."""
        sql = "SELECT * FROM execution_output WHERE execution_id = ? AND id > ?"
        args = [execution_id, int(after_id)]
        if output_type:
            sql += " AND output_type = ?"
            args.append(output_type)
        return [_shape(row) for row in self.db.query(sql + " ORDER BY id", args)]

    def of_executions(self, execution_ids, after_id, through_id):
        """Chunks of these executions with after_id < id <= through_id, oldest first."""
        execution_ids = list(execution_ids)
        found = []
        for start in range(0, len(execution_ids), 500):
            part = execution_ids[start : start + 500]
            found += self.db.query(
                "SELECT * FROM execution_output WHERE execution_id IN (%s) AND id > ?"
                " AND id <= ?" % ",".join("?" * len(part)),
                part + [int(after_id), int(through_id)],
            )
        return [_shape(row) for row in sorted(found, key=lambda row: row["id"])]

    def after(self, after_id, limit=READ_LIMIT):
        """Chunks of every execution newer than after_id, oldest first, at most limit."""
        rows = self.db.query(
            "SELECT * FROM execution_output WHERE id > ? ORDER BY id LIMIT ?",
            (int(after_id), int(limit)),
        )
        return [_shape(row) for row in rows]

    def latest_id(self):
        """The id of the newest chunk (0: none yet)."""
        return self.db.query("SELECT COALESCE(MAX(id), 0) AS id FROM execution_output")[0]["id"]


def _shape(row):
    return dict((name, row[name]) for name in ("id",) + FIELDS)
