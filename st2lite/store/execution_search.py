"""Execution history queries with the filters of StackStorm's `GET /executions`.

A filter value "null" matches a missing value, as StackStorm's API reads it (`parent=null`:
top-level executions only).
"""

from st2lite.store.executions import ExecutionStore

# The rule's name, as StackStorm filters `rule` on; executions recorded before st2lite kept
# the name in their context have only the rule's ref (pack.name).
RULE_NAME = (
    "COALESCE(json_extract(context, '$.rule.name'), substr(json_extract(context, '$.rule.ref'),"
    " instr(json_extract(context, '$.rule.ref'), '.') + 1))"
)

# filter name -> SQL expression it compares with
COLUMNS = {
    "id": "id",
    "action": "action",
    "status": "status",
    "runner": "runner",
    "parent": "parent_id",
    "user": "json_extract(context, '$.user')",
    "rule": RULE_NAME,
    "trigger_instance": "json_extract(context, '$.trigger_instance.id')",
}
FILTERS = tuple(COLUMNS)


def search_executions(
    db, filters, ascending=False, offset=0, limit=None, timestamp_gt=None, timestamp_lt=None
):
    """(executions without children, total matching): filters is {name in FILTERS: value}."""
    where, args = [], []
    for name, value in filters.items():
        if value == "null":
            where.append("%s IS NULL" % COLUMNS[name])
        else:
            where.append("%s = ?" % COLUMNS[name])
            args.append(value)
    if timestamp_gt:
        where.append("start_timestamp > ?")
        args.append(timestamp_gt)
    if timestamp_lt:
        where.append("start_timestamp < ?")
        args.append(timestamp_lt)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = db.query("SELECT COUNT(*) FROM executions" + clause, args)[0][0]
    sql = "SELECT * FROM executions%s ORDER BY seq %s LIMIT ? OFFSET ?" % (
        clause,
        "ASC" if ascending else "DESC",
    )
    rows = db.query(sql, args + [-1 if limit is None else int(limit), int(offset)])
    shape = ExecutionStore(db)._shape
    return [shape(row, with_children=False) for row in rows], total


def children_ids(db, parent_ids):
    """{parent id: [child ids in order]} for the given executions."""
    found = dict((parent_id, []) for parent_id in parent_ids)
    for start in range(0, len(parent_ids), 500):
        chunk = parent_ids[start : start + 500]
        rows = db.query(
            "SELECT id, parent_id FROM executions WHERE parent_id IN (%s) ORDER BY seq"
            % ",".join("?" * len(chunk)),
            chunk,
        )
        for row in rows:
            found[row["parent_id"]].append(row["id"])
    return found


TIME_COLUMNS = {"trigger_instances": "occurrence_time", "rule_enforcements": "enforced_at"}


def instance_page(db, table, filters, offset=0, limit=None, after=None, before=None):
    """(rows, total) of trigger_instances or rule_enforcements, newest first; after and before
    bound their time (ISO text as stored)."""
    where = ["%s = ?" % name for name in filters]
    args = list(filters.values())
    for bound, operator in ((after, ">"), (before, "<")):
        if bound:
            where.append("%s %s ?" % (TIME_COLUMNS[table], operator))
            args.append(bound)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = db.query("SELECT COUNT(*) FROM %s%s" % (table, clause), args)[0][0]
    rows = db.query(
        "SELECT * FROM %s%s ORDER BY seq DESC LIMIT ? OFFSET ?" % (table, clause),
        args + [-1 if limit is None else int(limit), int(offset)],
    )
    return rows, total


FILTER_VIEWS = {
    "action": "action",
    "status": "status",
    "runner": "runner",
    "user": "json_extract(context, '$.user')",
    "rule": RULE_NAME,
}


def distinct_values(db):
    """{filter name: sorted distinct values} over top-level executions: st2web's filter menus."""
    views = {}
    for name, expression in FILTER_VIEWS.items():
        rows = db.query(
            "SELECT DISTINCT %s AS value FROM executions WHERE parent_id IS NULL "
            "AND %s IS NOT NULL ORDER BY value" % (expression, expression)
        )
        views[name] = [row["value"] for row in rows]
    return views
