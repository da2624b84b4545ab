"""The orquesta runner: a workflow action, its tasks run as child executions of this one.
run_workflow checks the definition itself: an invalid one fails before any task runs.

A workflow may call itself, or a workflow that called it, as on StackStorm (a recursion that
ends, e.g. one round per batch of work). Each level holds a thread here until its sub-workflow
ends, so sub-workflows nested deeper than MAX_DEPTH are refused: only a recursion that never
ends gets there.

A workflow waiting on an inquiry pauses: its run is kept in the store (orquesta_parking) and
this process lets go of it. `resume` goes on with it, in whichever process claimed it: a
paused sub-workflow is resumed by its parent's run, so every level again holds a thread."""

from st2lite import params
from st2lite.runners.base import RunnerOutcome
from st2lite.runners.orquesta_parking import StoreParking
from st2lite.store.workflow_states import WorkflowStateStore

MAX_DEPTH = 500


def run(request):
    action = request.action
    try:
        with open(action["entry_point_path"]) as f:
            definition = f.read()
    except OSError as e:
        return _failed("cannot read workflow %s: %s" % (action["entry_point_path"], e.strerror))
    return _drive(request, definition)


def resume(request, asked=False):
    """Go on with the paused run of request.execution_id (claimed by this process); ASKED: a
    resume someone asked for (st2 execution resume), not news of a parked task."""
    saved = WorkflowStateStore(request.runtime.db).load(request.execution_id)
    if saved is None:
        return _failed("the state of paused workflow %s is missing" % request.execution_id)
    return _drive(request, saved.definition, saved.snapshot, asked)


def _drive(request, definition, saved=None, asked=False):
    """Cancel and pause requests reach the run through the runtime's control watch."""
    from st2lite.orquesta.runner import Requests
    from st2lite.runners.python_script import warm_pack

    runtime, action = request.runtime, request.action
    warm_pack(runtime, action["pack"])  # its python tasks' imports load while it starts
    from st2lite.orquesta import run_workflow

    chain = list(request.context.get("workflow_chain") or []) + [action["ref"]]
    parking = StoreParking(runtime, request.execution_id, definition, request.parameters)
    requests = Requests(look=lambda: runtime.control.look_now(request.execution_id))
    if asked:
        requests.ask("resuming")
    with runtime.control.listening(request.execution_id, requests.ask):
        outcome = run_workflow(
            definition,
            request.parameters,
            _executor(runtime, request.execution_id, request.context, chain),
            kv_get=_kv_get(runtime),
            st2_context=_st2_context(request),
            actions=RegisteredActions(runtime),
            parking=parking,
            saved=saved,
            requests=requests,
        )
    if saved is not None and outcome.status != "paused":
        parking.states.delete(request.execution_id)
    result = {"output": outcome.output}
    if outcome.errors:
        result["errors"] = outcome.errors
    return RunnerOutcome(outcome.status, result)


def _executor(runtime, parent_id, parent_context, chain):
    def execute(task_name, item_index, action_ref, parameters):
        context = {
            "user": parent_context.get("user"),
            "parent": {"execution_id": parent_id},
            "orquesta": {"task_name": task_name, "item_id": item_index},
            "workflow_chain": chain,
        }
        target = runtime.content.actions.get(action_ref)
        if target is not None and target["runner_type"] == "orquesta" and len(chain) >= MAX_DEPTH:
            child = runtime.record_refused(
                action_ref,
                parameters,
                context,
                parent_id,
                task_name,
                item_index,
                "sub-workflows nested more than %d deep (%s -> ... -> %s calls %s): a "
                "recursion that never ends?" % (MAX_DEPTH, chain[0], chain[-1], action_ref),
            )
        else:
            child = runtime.execute(
                action_ref,
                parameters,
                context=context,
                parent_id=parent_id,
                task=task_name,
                item=item_index,
                cast=True,
            )
        return child["status"], child["result"], child["id"]

    return execute


class RegisteredActions(object):
    """The workflow engine's view of the loaded packs' actions: what StackStorm's workflow
    service checks in its database before a workflow starts and before each task's action."""

    def __init__(self, runtime):
        self.runtime = runtime

    def parameters(self, ref):
        action = self.runtime.content.actions.get(ref)
        return None if action is None else params.action_schema(action)

    def check_request(self, ref, parameters):
        """Raise ActionRequestError, named as StackStorm's exception for the same refusal: the
        action is unknown, its input cannot be cast, it is disabled, or its input is invalid."""
        from st2lite.orquesta.errors import ActionRequestError, action_not_found

        action = self.runtime.content.actions.get(ref)
        if action is None:
            raise action_not_found(ref)
        try:
            given = params.cast_given(params.action_schema(action), parameters)
        except params.ParameterError as e:
            raise ActionRequestError("ValueError", str(e)) from e
        if not action.get("enabled", True):
            raise ActionRequestError(
                "ValueError", 'Unable to execute. Action "%s" is disabled.' % ref
            )
        try:
            params.check_given(action, given)
        except params.ParameterError as e:
            raise ActionRequestError("ValidationError", str(e)) from e


def _kv_get(runtime):
    """st2kv('system.k') reads the system scope; st2kv('k') and st2kv('user.k') the user scope,
    as StackStorm's st2kv function does."""

    def kv_get(key, decrypt=False):
        scope, name = "user", key
        if key.startswith("system."):
            scope, name = "system", key[len("system.") :]
        elif key.startswith("user."):
            name = key[len("user.") :]
        value = runtime.datastore.get(name, scope=scope, decrypt=decrypt)
        if value is None:
            raise KeyError(key)
        return value

    return kv_get


def _st2_context(request):
    """`ctx(st2)`, as StackStorm's orquesta runner builds it; api_url is the API (with `/v1`)
    of the `st2lite serve` of this state directory, empty while none runs. st2lite has no
    workflow execution records apart from the action execution, so both ids are the same."""
    context = request.context
    st2 = {
        "user": context.get("user"),
        "action_execution_id": request.execution_id,
        "workflow_execution_id": request.execution_id,
        "pack": context.get("pack") or request.action["pack"],
        "action": request.action["ref"],
        "runner": request.action["runner_type"],
        "api_url": request.runtime.runtimes.api_url() or "",
    }
    for chat_key in ("api_user", "source_channel"):
        if context.get(chat_key):
            st2[chat_key] = context[chat_key]
    return st2


def _failed(message):
    return RunnerOutcome(
        "failed", {"errors": [{"type": "error", "message": message}], "output": None}
    )
