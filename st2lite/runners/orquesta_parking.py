"""Where a workflow's parked executions are looked after between st2lite processes: whether an
inquiry was answered (or timed out) or a paused sub-workflow has such news further down is read
from the execution history; a paused run is kept in the store, atomically with its `paused`
status, so that whoever answers next either finds it paused (and resumes it) or this process
sees the answer first and goes on itself."""

from st2lite.orquesta.runner import NEWS_COMPLETED, NEWS_RESUMABLE, Parking
from st2lite.store.executions import FINAL_STATES
from st2lite.store.workflow_states import WorkflowStateStore

PAUSED_RESULT = {"output": None}  # a paused workflow's result, as StackStorm records it


class StoreParking(Parking):
    def __init__(self, runtime, execution_id, definition, parameters):
        self.runtime = runtime
        self.execution_id = execution_id
        self.definition = definition
        self.parameters = parameters
        self.states = WorkflowStateStore(runtime.db)

    def news(self, execution_id):
        return parked_news(self.runtime.executions, self.states, execution_id)

    def outcome(self, execution_id):
        execution = self.runtime.executions.get(execution_id, with_children=False)
        return execution["status"], execution["result"]

    def resume(self, execution_id):
        execution = self.runtime.resume(execution_id)
        if execution is not None:
            return execution["status"], execution["result"], execution_id
        status, result = self.outcome(execution_id)
        if status == "paused":  # and yet not resumable: its saved state is gone
            return "failed", {
                "error": "paused workflow %s cannot be resumed: its saved state "
                "is missing" % execution_id
            }
        return status, result

    def show_status(self, status):
        # never over a cancel someone asked for (execution_control)
        shown = self.runtime.executions.transition(
            self.execution_id, ("running", "pausing", "resuming"), status=status
        )
        if shown and status == "running":
            self.runtime.control.rearm(self.execution_id)

    def pause(self, snapshot):
        with self.runtime.db.transaction():
            if any(self.news(parked["execution_id"]) for parked in snapshot["parked"]):
                return False
            self.states.save(self.execution_id, self.definition, self.parameters, snapshot)
            self.runtime.executions.update(self.execution_id, status="paused", result=PAUSED_RESULT)
        return True


def parked_news(executions, states, execution_id):
    """NEWS_COMPLETED when the execution ended; NEWS_RESUMABLE when it is a paused workflow
    with news below it; else None."""
    if execution_id is None:
        return None
    execution = executions.get(execution_id, with_children=False)
    if execution["status"] in FINAL_STATES:
        return NEWS_COMPLETED
    if execution["status"] == "resuming":  # someone asked it to go on (execution_control)
        return NEWS_RESUMABLE
    if execution["status"] == "paused":
        saved = states.load(execution_id)
        if saved is not None and any(
            parked_news(executions, states, p["execution_id"]) for p in saved.snapshot["parked"]
        ):
            return NEWS_RESUMABLE
    return None
