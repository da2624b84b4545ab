"""Status rules: how an action (or item, or engine command) event moves a task's status, and how a
task's new status moves the workflow's status. Follows orquesta's state machines for the statuses
st2lite's executor reports (running, pending, paused, succeeded, failed, timeout, canceled), for
retries, and for a workflow pausing on a pending task and resuming."""

from st2lite.orquesta import statuses as st

# Engine commands in `do`: the status each gives the pseudo-task that carries it.
ENGINE_COMMAND_STATUS = {"continue": st.SUCCEEDED, "noop": st.SUCCEEDED, "fail": st.FAILED}
# Item statuses that hold a with-items task paused (orquesta's "items paused").
_ITEM_HELD = (st.PENDING, st.PAUSED)


def next_task_status(current, event_status):
    """New status of a task that is not with-items, given an action/engine event."""
    if event_status == st.RETRYING:
        return st.RETRYING if current in (st.SUCCEEDED, st.FAILED) else current
    if event_status == st.RUNNING:
        return st.RUNNING if current in (st.UNSET, st.RUNNING, st.RETRYING, st.PAUSED) else current
    if current in (st.UNSET, st.RUNNING):
        if event_status == st.EXPIRED:
            return st.FAILED
        return event_status
    if current == st.PENDING and event_status in st.COMPLETED:
        return st.FAILED if event_status == st.EXPIRED else event_status
    if current == st.PAUSED and event_status == st.CANCELED:
        return st.CANCELED
    if current == st.CANCELING and event_status in st.COMPLETED:
        return st.FAILED if event_status in (st.FAILED, st.EXPIRED) else st.CANCELED
    return current


def next_item_task_status(current, event_status, other_items):
    """New status of a with-items task when one item reports `event_status`.

    `other_items` are the statuses of the task's other items (unset for those not yet run).
    """
    if event_status == st.RUNNING:
        return st.RUNNING if current in (st.UNSET, st.RUNNING, st.RETRYING, st.PAUSED) else current
    if current not in (st.RUNNING, st.PAUSING, st.CANCELING):
        return current
    active = any(s in st.ACTIVE for s in other_items)
    incomplete = any(s not in st.COMPLETED for s in other_items)
    held = any(s in _ITEM_HELD for s in other_items)
    canceled = any(s == st.CANCELED for s in other_items)
    failed = any(s in st.ABENDED for s in other_items)
    if current == st.CANCELING:
        if active:
            return current
        done_well = event_status == st.SUCCEEDED and not incomplete and not failed
        return st.SUCCEEDED if done_well else st.CANCELED
    if active:
        # Other items still run: only a cancellation or (while running) a pause shows now.
        if current == st.PAUSING:
            return current
        if event_status == st.CANCELED:
            return st.CANCELING
        return st.PAUSING if event_status == st.PENDING else st.RUNNING
    return _dormant_item_task_status(current, event_status, incomplete, held, canceled, failed)


def _dormant_item_task_status(current, event_status, incomplete, held, canceled, failed):
    """The with-items task's status once no other item runs; orquesta weighs a held item (one
    pending or paused) first, then a canceled one, then a failed one."""
    if event_status == st.CANCELED:
        return st.CANCELED
    if event_status == st.PENDING:
        return (
            st.CANCELED
            if canceled and not held
            else st.FAILED
            if failed and not held
            else st.PAUSED
        )
    if event_status in (st.FAILED, st.EXPIRED):
        return st.CANCELED if canceled and not held else st.FAILED
    if held:
        return st.PAUSED
    if canceled:
        return st.CANCELED
    if failed:
        return st.FAILED
    if incomplete:
        return st.PAUSED if current == st.PAUSING else st.RUNNING
    return st.SUCCEEDED


def next_workflow_status(
    workflow, task_status, remediated, active, incomplete, canceled=False, held=False
):
    """New workflow status after a task reached `task_status`.

    remediated: the task failed but a transition handles it; active: other tasks still run;
    incomplete: staged tasks or satisfied transitions remain; canceled: some task was canceled,
    which cancels the workflow whatever the transitions say; held: some task is pending or
    paused, which pauses the workflow once nothing else runs.
    """
    if workflow in (st.RUNNING, st.RESUMING):
        return _from_running(workflow, task_status, remediated, active, incomplete, canceled, held)
    if workflow == st.PAUSING:
        return _from_pausing(task_status, remediated, active, canceled)
    if workflow == st.PAUSED:
        return st.RUNNING if task_status == st.RUNNING else workflow
    if workflow == st.CANCELING and task_status in st.COMPLETED | st.HELD | {st.RETRYING}:
        return st.CANCELING if active else st.CANCELED
    return workflow


def _from_running(workflow, task_status, remediated, active, incomplete, canceled, held):
    """A running (or resuming) workflow, as orquesta's table has it; a resuming one differs
    only in keeping its status while other tasks still run and something holds it."""
    if task_status == st.RUNNING:
        return st.RUNNING
    if task_status == st.PENDING:
        return st.PAUSING if active else st.PAUSED
    if task_status == st.PAUSED:
        # (A resuming workflow keeps resuming here in orquesta, with nothing left to resume it.)
        return workflow if active else st.PAUSED
    went_well = task_status == st.SUCCEEDED or (task_status in st.ABENDED and remediated)
    if task_status == st.CANCELED or (canceled and task_status in st.COMPLETED):
        if active and workflow == st.RESUMING and went_well:
            return workflow
        return st.CANCELING if active else st.CANCELED
    if went_well:
        if held:
            if active:
                return st.PAUSING if workflow == st.RUNNING else workflow
            return st.PAUSED
        return st.RUNNING if active or incomplete else st.SUCCEEDED
    if task_status in (st.FAILED, st.EXPIRED):
        return st.FAILED
    return workflow


def _from_pausing(task_status, remediated, active, canceled):
    if task_status in (st.FAILED, st.EXPIRED) and not remediated:
        return st.FAILED
    if task_status == st.CANCELED:
        return st.CANCELING if active else st.CANCELED
    if task_status in st.COMPLETED and canceled:
        if not active:
            return st.CANCELED
        return st.CANCELING if remediated else st.PAUSING
    if task_status in st.COMPLETED | st.HELD | {st.RETRYING}:
        return st.PAUSING if active else st.PAUSED
    return st.PAUSING


def resume_status(workflow, status, finished):
    """The workflow's status once asked to go on (`status` resuming, as for an answered
    inquiry, or running, as when a paused task resumes); `finished`: no task runs, is staged
    or is held, so there is nothing left to resume."""
    if workflow not in (st.PAUSING, st.PAUSED, st.RESUMING):
        return workflow
    if workflow == st.PAUSED and finished:
        return st.SUCCEEDED
    if workflow == st.RESUMING and status == st.RESUMING:
        return workflow
    return status
