"""Paused workflows: what a workflow run needs to go on later, in whichever st2lite process
resumes it (its definition, parameters and the engine's snapshot), as StackStorm keeps a
workflow execution's state in its database. Values are kept as they are, secrets included,
as StackStorm keeps a workflow's input: the database file is the user's own."""

import collections.abc
import json

from st2lite.store.ids import utc_now_iso


class SavedWorkflow(object):
    def __init__(self, definition, parameters, snapshot):
        self.definition = definition
        self.parameters = parameters
        self.snapshot = snapshot


class WorkflowStateStore(object):
    def __init__(self, db):
        self.db = db

    def save(self, execution_id, definition, parameters, snapshot):
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO workflow_states(execution_id, definition, parameters,"
                " snapshot, saved_at) VALUES (?,?,?,?,?)",
                (execution_id, definition, _dumps(parameters), _dumps(snapshot), utc_now_iso()),
            )

    def load(self, execution_id):
        rows = self.db.query(
            "SELECT * FROM workflow_states WHERE execution_id = ?", (execution_id,)
        )
        if not rows:
            return None
        row = rows[0]
        return SavedWorkflow(
            row["definition"], json.loads(row["parameters"]), json.loads(row["snapshot"])
        )

    def delete(self, execution_id):
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM workflow_states WHERE execution_id = ?", (execution_id,))


def _dumps(value):
    return json.dumps(value, default=_plain)


def _plain(value):
    """Expression results that are not JSON types themselves (YAQL's frozen dicts and sets)."""
    if isinstance(value, collections.abc.Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset, collections.abc.Sequence)):
        return list(value)
    raise TypeError(
        "a workflow value of type %s cannot be kept while the workflow is paused"
        % type(value).__name__
    )
