"""Cancel, pause and resume an execution, as StackStorm's action service does
(st2common/services/action.py request_cancellation/request_pause/request_resume, with the
orquesta runner's cascades): any st2lite process may ask; the request records the wanted
status and the process running the execution acts on it (control_watch).

- cancel: `canceling` when a live process runs it (or it is a workflow's task: the workflow
  reports its end), else `canceled` at once; its result is StackStorm's
  {"message": "Action canceled by user.", "user": ...}. A workflow starts no new task and its
  running tasks run to their end, as StackStorm's orquesta runner does: only its sub-workflows
  and its delayed tasks are canceled with it (task_cancelable); canceling a sub-workflow cancels
  the root workflow, as on StackStorm. A single action's process is killed (control_watch).
- pause: only workflows; `pausing`, then `paused` once their running tasks end (running
  sub-workflows pause too).
- resume: a paused workflow goes `resuming` (its paused sub-workflows too) and RESUMER(root id)
  has a process go on with it.
"""

import os

from st2lite.store.executions import FINAL_STATES

CANCELABLE = ("requested", "scheduled", "delayed", "running", "pausing", "paused", "resuming")
DRIVEN = ("scheduled", "delayed", "running", "pausing")  # states a live process holds
NOT_STARTED = ("requested", "scheduled", "delayed")
WORKFLOW_RUNNERS = ("orquesta",)
CANCEL_MESSAGE = "Action canceled by user."


class NotCancelable(Exception):
    """StackStorm answers this one with a 200 and a faultstring."""


class ControlRefused(Exception):
    """A pause or resume that cannot be done (400, "Failed updating execution. ...")."""


class AlreadyCompleted(ControlRefused):
    """400 with this message alone, as StackStorm answers."""


# --- cancel ------------------------------------------------------------------------------


def request_cancellation(runtime, execution_id, requester):
    """The execution after the request (raises NotCancelable)."""
    record = runtime.executions.get(execution_id, with_children=False)
    if record["status"] == "canceled":
        return record
    if record["status"] == "canceling":
        return record
    if record["status"] not in CANCELABLE:
        raise NotCancelable("Action cannot be canceled. State = %s." % record["status"])
    root = _root_workflow(runtime, record)
    if root is not None and root["status"] not in ("canceling", "canceled"):
        _cancel(runtime, root, requester)  # as StackStorm cascades a sub-workflow's cancel up
    _cancel(runtime, runtime.executions.get(execution_id, with_children=False), requester)
    return runtime.executions.get(execution_id, with_children=False)


def _root_workflow(runtime, record):
    if record["runner"] not in WORKFLOW_RUNNERS or not record["parent"]:
        return None
    while record["parent"]:
        record = runtime.executions.get(record["parent"], with_children=False)
    return record


def _cancel(runtime, record, requester):
    status = record["status"]
    if status in FINAL_STATES or status == "canceling":
        return
    result = {"message": CANCEL_MESSAGE, "user": requester}
    context = dict(record["context"], cancelled_by=requester)
    alive = runtime.runtimes.is_alive(record["runtime"])
    in_workflow = record["parent"] is not None and status in NOT_STARTED
    if (status in DRIVEN and alive) or in_workflow:
        runtime.executions.transition(
            record["id"], (status,), status="canceling", result=result, context=context
        )
    elif runtime.executions.transition(
        record["id"], (status,), status="canceled", result=result, context=context
    ):
        _forget_paused_state(runtime, record["id"])
        runtime.announce_end(record["id"])
    for child in runtime.executions.children(record["id"]):
        if child["status"] == "pending":  # an inquiry of the workflow: nobody may answer it now
            _settle_canceled(runtime, child, requester)
        elif _task_cancelable(child):
            _cancel(runtime, child, requester)


def _task_cancelable(record):
    """As StackStorm's orquesta runner task_cancelable: a sub-workflow not yet ended, or an
    action still delayed; a running shell or python task goes on to its end."""
    if record["runner"] in WORKFLOW_RUNNERS:
        return record["status"] in CANCELABLE
    return record["status"] == "delayed"


def _settle_canceled(runtime, record, requester):
    if runtime.executions.transition(
        record["id"],
        (record["status"],),
        status="canceled",
        result=dict(record["result"] or {}, message=CANCEL_MESSAGE, user=requester),
    ):
        runtime.announce_end(record["id"])


def _forget_paused_state(runtime, execution_id):
    from st2lite.store.workflow_states import WorkflowStateStore

    WorkflowStateStore(runtime.db).delete(execution_id)


# --- what the process running an execution asks -------------------------------------------


def start_running(runtime, execution_id):
    """Mark the execution running in this process unless a cancel came first (then it is
    settled `canceled` here when it was left `canceling`); whether it may run. A task its
    workflow had requested before a cancel runs, as on StackStorm."""
    if runtime.executions.transition(
        execution_id,
        NOT_STARTED,
        status="running",
        pid=os.getpid(),
        runtime=runtime.registration.token,
    ):
        return True
    record = runtime.executions.get(execution_id, with_children=False)
    if record["status"] == "canceling":
        _settle_canceled(runtime, record, record["context"].get("cancelled_by"))
    return False


def outcome_after_requests(runtime, execution_id, status, result):
    """(status, result) to record for a run that ended: `canceled` if a cancel was asked
    meanwhile, with what the runner returned and the cancel's message and user."""
    record = runtime.executions.get(execution_id, with_children=False)
    if record["status"] != "canceling":
        return status, result
    merged = dict(result) if isinstance(result, dict) else {"result": result}
    merged.update(record["result"] or {})
    return "canceled", merged


def canceled_before_start(runtime, execution_id):
    """Whether the execution was canceled while it waited (for a policy's room, say)."""
    status = runtime.executions.get(execution_id, with_children=False)["status"]
    return status in ("canceling", "canceled")


# --- pause and resume --------------------------------------------------------------------


def request_pause(runtime, execution_id, requester):
    record = _pausable(runtime, execution_id, "pause")
    if record["status"] in ("pausing", "paused"):
        return record
    if record["status"] != "running":
        raise ControlRefused(
            'Unable to pause liveaction "%s" because it is not in a running state.' % execution_id
        )
    _move_tree(runtime, record, "running", "pausing", paused_by=requester)
    return runtime.executions.get(execution_id, with_children=False)


def _move_tree(runtime, record, current, wanted, **asked_by):
    """RECORD from CURRENT to WANTED, and each of its workflow children in CURRENT with it (a
    pause or a resume reaches every nested workflow); ASKED_BY goes into each one's context."""
    context = dict(record["context"], **asked_by)
    runtime.executions.transition(record["id"], (current,), status=wanted, context=context)
    for child in runtime.executions.children(record["id"]):
        if child["runner"] in WORKFLOW_RUNNERS and child["status"] == current:
            _move_tree(runtime, child, current, wanted, **asked_by)


def request_resume(runtime, execution_id, requester, resumer):
    """RESUMER(execution_id) has a process go on with the paused root workflow."""
    record = _pausable(runtime, execution_id, "resume")
    if record["status"] in ("running", "resuming"):
        return record
    if record["status"] != "paused":
        raise ControlRefused(
            'Unable to resume liveaction "%s" because it is in "%s" state and not in '
            '"paused" state.' % (execution_id, record["status"])
        )
    _move_tree(runtime, record, "paused", "resuming", resumed_by=requester)
    root = record
    while root["parent"]:  # paused parents go on too, so that they resume this one
        root = runtime.executions.get(root["parent"], with_children=False)
        runtime.executions.transition(root["id"], ("paused",), status="resuming")
    asked = runtime.executions.get(execution_id, with_children=False)
    resumer(root["id"])
    return asked  # as it was asked: the resumer may be running it already


def _pausable(runtime, execution_id, verb):
    record = runtime.executions.get(execution_id, with_children=False)
    if record["status"] in FINAL_STATES:
        raise AlreadyCompleted("Execution is already in completed state.")
    if record["runner"] not in WORKFLOW_RUNNERS:
        raise ControlRefused(
            'Unable to %s liveaction "%s" because it is not supported by the "%s" runner.'
            % (verb, execution_id, record["runner"])
        )
    return record
