"""The public entry points: inspect a workflow definition, or run it to completion."""

from st2lite.orquesta import spec as spec_module
from st2lite.orquesta import statuses as st
from st2lite.orquesta.contents import inspect_task_contents
from st2lite.orquesta.errors import WorkflowSpecError
from st2lite.orquesta.graph import WorkflowGraph
from st2lite.orquesta.runner import drive

_OUTCOME_STATUS = {st.SUCCEEDED: "succeeded", st.CANCELED: "canceled", st.PAUSED: "paused"}


class WorkflowOutcome(object):
    """How a workflow run ended: status (succeeded|failed|canceled, or paused on a pending task),
    output (dict or None) and errors (orquesta's error entries; empty when it succeeded or
    paused, as StackStorm reports them)."""

    def __init__(self, status, output=None, errors=None):
        self.status = status
        self.output = output
        self.errors = errors or []

    def __repr__(self):
        return "WorkflowOutcome(status=%r, output=%r, errors=%d)" % (
            self.status,
            self.output,
            len(self.errors),
        )


def _context(st2_context):
    return {"st2": dict(st2_context or {})}


def inspect_workflow(definition, st2_context=None):
    """Every problem in the definition (YAML text or dict) as error dicts; empty when valid."""
    return spec_module.inspect(definition, known_variables=tuple(_context(st2_context)))


def _spec_error_entries(error):
    entries = []
    for problem in error.errors or [{"message": str(error)}]:
        entry = {"type": "error", "message": problem["message"]}
        if problem.get("spec_path"):
            entry["spec_path"] = problem["spec_path"]
        entries.append(entry)
    return entries


def run_workflow(
    definition,
    inputs,
    executor,
    kv_get=None,
    st2_context=None,
    max_workers=None,
    actions=None,
    parking=None,
    saved=None,
    requests=None,
):
    """Run the workflow to completion, calling `executor(task, item_index, action_ref, params)`
    for every action. An invalid definition gives a failed outcome listing its problems.

    `actions`, when given, is the catalog of registered actions, asked as StackStorm asks its
    database: `parameters(ref)` (the specs of the action's and its runner's parameters, or None
    when it is not registered) before the workflow starts, and `check_request(ref, parameters)`
    (raises ActionRequestError) before each action starts. A task whose action fails either
    check fails the whole workflow, as on StackStorm; without a catalog every action is left to
    the executor.

    An action that is `pending` or a sub-workflow `paused` pauses the workflow (see runner):
    with `parking`, the paused run is handed to `parking.pause`, and `saved` (what it was
    handed) goes on with it; the outcome is `paused` until the workflow ends. `requests`
    (runner.Requests) asks the run to cancel, pause or resume."""
    context = _context(st2_context)
    try:
        spec = spec_module.parse(definition, known_variables=tuple(context))
    except WorkflowSpecError as e:
        return WorkflowOutcome("failed", None, _spec_error_entries(e))
    content_errors = (
        inspect_task_contents(spec, actions) if actions is not None and saved is None else []
    )
    if content_errors:
        return WorkflowOutcome("failed", None, content_errors)
    conductor = drive(
        spec,
        WorkflowGraph(spec),
        dict(inputs or {}),
        executor,
        kv_get=kv_get,
        context=context,
        max_workers=max_workers,
        actions=actions,
        parking=parking,
        saved=saved,
        requests=requests,
    )
    status = _OUTCOME_STATUS.get(conductor.status, "failed")
    errors = [] if status in ("succeeded", "paused") else list(conductor.errors)
    return WorkflowOutcome(status, conductor.output, errors)
