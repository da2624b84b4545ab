"""Status rules: how an action (or item, or engine command) event moves a task's status, and how a
task's new status moves the workflow's status. Follows orquesta's state machines for the statuses
st2lite's executor reports (running, succeeded, failed, timeout, canceled) and for retries."""
from st2lite.orquesta import statuses as st

# Engine commands in `do`: the status each gives the pseudo-task that carries it.
ENGINE_COMMAND_STATUS = {"continue": st.SUCCEEDED, "noop": st.SUCCEEDED, "fail": st.FAILED}


def next_task_status(current, event_status):
    """New status of a task that is not with-items, given an action/engine event."""
    if event_status == st.RETRYING:
        return st.RETRYING if current in (st.SUCCEEDED, st.FAILED) else current
    if event_status == st.RUNNING:
        return st.RUNNING if current in (st.UNSET, st.RUNNING, st.RETRYING) else current
    if current in (st.UNSET, st.RUNNING):
        if event_status == st.EXPIRED:
            return st.FAILED
        return event_status
    if current == st.CANCELING and event_status in st.COMPLETED:
        return st.FAILED if event_status in (st.FAILED, st.EXPIRED) else st.CANCELED
    return current


def next_item_task_status(current, event_status, other_items):
    """New status of a with-items task when one item reports `event_status`.

    `other_items` are the statuses of the task's other items (unset for those not yet run).
    """
    if event_status == st.RUNNING:
        return st.RUNNING if current in (st.UNSET, st.RUNNING, st.RETRYING) else current
    if current not in (st.RUNNING, st.CANCELING):
        return current
    active = any(s in st.ACTIVE for s in other_items)
    incomplete = any(s not in st.COMPLETED for s in other_items)
    canceled = any(s == st.CANCELED for s in other_items)
    failed = any(s in st.ABENDED for s in other_items)
    if current == st.CANCELING:
        if active:
            return current
        done_well = event_status == st.SUCCEEDED and not incomplete and not failed
        return st.SUCCEEDED if done_well else st.CANCELED
    if event_status == st.CANCELED:
        return st.CANCELING if active else st.CANCELED
    if active:
        return st.RUNNING
    if canceled:
        return st.CANCELED
    if event_status in (st.FAILED, st.EXPIRED) or failed:
        return st.FAILED
    return st.RUNNING if incomplete else st.SUCCEEDED


def next_workflow_status(workflow, task_status, remediated, active, incomplete, canceled=False):
    """New workflow status after a task reached `task_status`.

    remediated: the task failed but a transition handles it; active: other tasks still run;
    incomplete: staged tasks or satisfied transitions remain; canceled: some task was canceled,
    which cancels the workflow whatever the transitions say.
    """
    if workflow == st.RUNNING:
        if task_status == st.CANCELED or (canceled and task_status in st.COMPLETED):
            return st.CANCELING if active else st.CANCELED
        if task_status == st.SUCCEEDED or (task_status in st.ABENDED and remediated):
            return st.RUNNING if active or incomplete else st.SUCCEEDED
        if task_status in (st.FAILED, st.EXPIRED):
            return st.FAILED
        return workflow
    if workflow == st.CANCELING and task_status in st.COMPLETED | {st.RETRYING}:
        return st.CANCELING if active else st.CANCELED
    return workflow
