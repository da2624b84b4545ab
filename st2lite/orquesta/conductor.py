"""The workflow conductor: orquesta's state machine over a WorkflowState.

It knows nothing about how actions run. A driver asks `get_next_tasks()`, reports each action's
start and end with `update_task_state()`, and renders the output once the workflow completed.
"""

from st2lite.orquesta import dicts, machines
from st2lite.orquesta import statuses as st
from st2lite.orquesta.errors import ExpressionError
from st2lite.orquesta.expressions import Scope, evaluate
from st2lite.orquesta.rendering import render_task
from st2lite.orquesta.state import WorkflowState

SATISFIED, WIP, NOT_SATISFIED = "satisfied", "in_progress", "not_satisfied"


class Event(object):
    """An execution event for a task: `status`, the action `result`, and for an item its index and
    the results of all items so far (`accumulated`)."""

    __slots__ = ("status", "result", "item_id", "accumulated")

    def __init__(self, status, result=None, item_id=None, accumulated=None):
        self.status = status
        self.result = result
        self.item_id = item_id
        self.accumulated = accumulated


class Conductor(object):
    def __init__(self, spec, graph, inputs=None, context=None, kv_get=None, saved=None):
        """A new run of the workflow, or with `saved` (what `snapshot()` gave) the run it was."""
        self.spec = spec
        self.graph = graph
        self.kv_get = kv_get
        self.errors = []
        self.output = None
        if saved is None:
            self.state = WorkflowState()
            self._start(inputs or {}, context or {})
        else:
            self.state = WorkflowState.from_dict(saved["state"])
            self.errors = list(saved["errors"])

    def snapshot(self):
        """Everything needed to go on with this run later, in another process: JSON types only."""
        return {"state": self.state.to_dict(), "errors": self.errors}

    # -- errors -------------------------------------------------------------------------------
    def log_error(self, message, task_id=None, route=None, transition_id=None, result=None):
        entry = {"type": "error", "message": message}
        for key, value in (
            ("task_id", task_id),
            ("route", route),
            ("task_transition_id", transition_id),
            ("result", result),
        ):
            if value is not None:
                entry[key] = value
        if entry not in self.errors:
            self.errors.append(entry)

    def log_exception(self, error, task_id=None, route=None, transition_id=None):
        self.log_error("%s: %s" % (type(error).__name__, error), task_id, route, transition_id)

    # -- start --------------------------------------------------------------------------------
    def _scope(self, variables, task_id=None, route=None, result=None, has_result=False):
        task = None
        if task_id is not None:
            task = {"id": task_id, "route": route}
            if has_result:
                task["result"] = result
        return Scope(variables, current_task=task, state=self.state, kv_get=self.kv_get)

    def _render_sequence(self, entries, rolling, target=None):
        errors = []
        for name, value in entries:
            try:
                rendered = evaluate(value, self._scope(rolling))
                rolling = _with(rolling, name, rendered)
                if target is not None:
                    target[name] = rendered
            except ExpressionError as e:
                errors.append(e)
        return rolling, errors

    def _start(self, inputs, context):
        init = dict(context)
        given = [(name, inputs.get(name, default)) for name, default in self.spec.input]
        init, input_errors = self._render_sequence(given, init)
        init, var_errors = self._render_sequence(self.spec.vars, init)
        for error in input_errors + var_errors:
            self.log_exception(error)
        if input_errors or var_errors:
            self.state.status = st.FAILED
            return
        self.state.contexts.append(init)
        self.state.routes.append([])
        for root in self.graph.roots:
            self.state.stage(root, 0, [0], ready=True)
        self.state.status = st.RUNNING

    @property
    def status(self):
        return self.state.status

    # -- contexts -----------------------------------------------------------------------------
    def task_context(self, ctx_indexes):
        merged = {}
        for index in ctx_indexes:
            merged = dicts.merge(merged, self.state.contexts[index])
        return merged

    def _initial_context(self, task_id, route):
        staged = self.state.staged_task(task_id, route)
        if staged is not None:
            return self.task_context(staged["ctxs"]["in"])
        entry = self.state.task_entry(task_id, route)
        if entry is not None:
            return self.task_context(entry["ctxs"]["in"])
        return self.state.contexts[0]

    # -- next tasks ---------------------------------------------------------------------------
    def get_next_tasks(self):
        staged = self.state.ready_staged()
        remediation = []
        if self.status == st.FAILED:
            remediation = [s for s in staged if s.get("run_on_fail")]
        if self.status not in st.STARTING and not remediation:
            return []
        next_tasks, render_failed = [], False
        for entry in remediation or staged:
            try:
                scope = self._scope(
                    self._initial_context(entry["id"], entry["route"]), entry["id"], entry["route"]
                )
                task = render_task(self.spec.tasks[entry["id"]], entry, scope)
                if "retry" in entry:
                    task["delay"] = entry["retry"].get("delay") or 0
                if task["actions"] or task.get("items_count") == 0:
                    next_tasks.append(task)
            except Exception as e:  # any rendering problem fails the workflow, as orquesta does
                render_failed = True
                self.log_exception(e, task_id=entry["id"], route=entry["route"])
        if render_failed:
            self.state.status = st.FAILED
            return []
        return sorted(next_tasks, key=lambda t: (t["id"], t["route"]))

    # -- inbound criteria (joins) -------------------------------------------------------------
    def inbound_criteria_status(self, task_id, route):
        inbound = self.graph.prev_transitions(task_id)
        evaluation = {t.source: None for t in inbound}
        barrier = self.graph.barrier(task_id) or 1
        required = len(evaluation) if barrier == "*" else barrier
        for transition in inbound:
            prev_entry = self.state.task_entry(transition.source, route)
            if prev_entry is None:
                continue
            satisfied = bool(prev_entry["next"].get(transition.id))
            if not evaluation[transition.source]:
                evaluation[transition.source] = satisfied
        if list(evaluation.values()).count(True) >= required:
            return SATISFIED
        if None in evaluation.values() and (
            self.state.has_active_tasks or self.state.has_staged_tasks
        ):
            return WIP
        return NOT_SATISFIED

    def has_next_tasks(self, task_id, route, eval_join_ready=True):
        """Whether a completed task has a satisfied transition to follow; to a join, only when
        the join can still be satisfied unless `eval_join_ready` is false."""
        entry = self.state.task_entry(task_id, route)
        if entry is None or entry.get("status") not in st.COMPLETED:
            return False
        for transition in self.graph.next_transitions(task_id):
            if transition.target == "continue" or not entry["next"].get(transition.id):
                continue
            if (
                self.graph.has_barrier(transition.target)
                and eval_join_ready
                and self.inbound_criteria_status(transition.target, route) == NOT_SATISFIED
            ):
                continue
            return True
        return False

    # -- task state ---------------------------------------------------------------------------
    def _add_task_entry(self, task_id, route, ctxs, prev):
        entry = {
            "id": task_id,
            "route": route,
            "ctxs": {"in": list(ctxs)},
            "prev": dict(prev),
            "next": {},
        }
        retry = self.graph.retry_spec(task_id) if self.graph.has_task(task_id) else None
        if retry and retry.get("count") is not None:
            entry["retry"] = self._prepare_retry(task_id, retry, ctxs)
        return self.state.add_task_entry(entry)

    def _prepare_retry(self, task_id, retry, ctxs):
        retry = dict(retry, tally=0)
        scope = self._scope(self.task_context(ctxs))
        for field in ("delay", "count"):
            if isinstance(retry.get(field), str):
                value = evaluate(retry[field], scope)
                if not isinstance(value, int):  # a boolean passes, as in orquesta
                    raise ValueError(
                        'The retry %s for task "%s" is not an integer.' % (field, task_id)
                    )
                retry[field] = value
        return retry

    def update_task_state(self, task_id, route, event):
        staged = self.state.staged_task(task_id, route)
        entry = self.state.task_entry(task_id, route)
        is_command = task_id in machines.ENGINE_COMMAND_STATUS
        if staged is None and entry is None:
            raise ValueError(
                'Task "%s" (route %s) is neither staged nor recorded.' % (task_id, route)
            )
        if (
            entry is None
            or is_command
            or (entry.get("status") in st.COMPLETED and event.status == st.RUNNING)
        ):
            entry = self._add_task_entry(task_id, route, staged["ctxs"]["in"], staged["prev"])
        index = self.state.task_index(task_id, route)

        if staged is not None and "items" not in staged:
            self.state.unstage(task_id, route)
        if staged is not None and event.item_id is not None:
            staged["items"][event.item_id] = {"status": event.status}
        if event.status == st.FAILED:  # as orquesta: not for a timeout, and without the route
            self.log_error(
                "Execution failed. See result for details.", task_id=task_id, result=event.result
            )

        old_status = entry.get("status", st.UNSET)
        entry["status"] = self._task_status_after(entry, staged, event)
        new_status = entry["status"]

        if new_status == st.RETRYING:
            entry["retry"]["tally"] += 1
            self.state.unstage(task_id, route)
            self.state.stage(
                task_id, route, entry["ctxs"]["in"], entry["prev"], ready=True, retry=entry["retry"]
            )

        engine_queue = []
        if new_status in st.COMPLETED:
            result = self._task_result(task_id, event)
            entry["result"] = result
            self._settle_staging(task_id, route, new_status)
            context = self.task_context(entry["ctxs"]["in"])
            scope = self._scope(context, task_id, route, result, has_result=True)
            if self.status in st.ACTIVE and self._should_retry(entry, scope):
                return self.update_task_state(task_id, route, Event(st.RETRYING))
            if new_status != old_status:
                engine_queue = self._follow_transitions(entry, index, context, scope)

        self._update_workflow_status(task_id, route, entry["status"])
        for command, command_route in engine_queue:
            status = machines.ENGINE_COMMAND_STATUS[command]
            self.update_task_state(command, command_route, Event(status))
        if self.status in st.COMPLETED:
            entry["term"] = True
        return entry

    def _task_status_after(self, entry, staged, event):
        current = entry.get("status", st.UNSET)
        if event.item_id is None:
            return machines.next_task_status(current, event.status)
        others = [item["status"] for i, item in enumerate(staged["items"]) if i != event.item_id]
        return machines.next_item_task_status(current, event.status, others)

    def _task_result(self, task_id, event):
        task_spec = self.spec.tasks.get(task_id)
        if task_spec is None or task_spec.items is None:
            return event.result
        if event.item_id is not None:
            return event.accumulated or []
        return event.result or []

    def _settle_staging(self, task_id, route, status):
        has_items = task_id in self.spec.tasks and self.spec.tasks[task_id].items is not None
        if has_items and status in st.ABENDED:
            staged = self.state.staged_task(task_id, route)
            if staged is not None:
                staged["completed"] = True
        else:
            self.state.unstage(task_id, route)

    def _should_retry(self, entry, scope):
        retry = entry.get("retry")
        if not retry or retry["tally"] >= retry["count"]:
            return False
        if entry.get("status") in st.ABENDED and retry.get("when") is None:
            return True
        return bool(retry.get("when")) and bool(evaluate(retry["when"], scope))

    def _follow_transitions(self, entry, index, context, scope):
        task_id, route = entry["id"], entry["route"]
        transitions = self.graph.next_transitions(task_id)
        if not transitions:
            entry["term"] = True
        engine_queue, ready_tasks, manual_fail = [], [], False
        for transition in transitions:
            try:
                entry["next"][transition.id] = all(evaluate(c, scope) for c in transition.criteria)
            except Exception as e:
                self.log_exception(e, task_id, route, transition.id)
                self.state.status = st.FAILED
                continue
            if not entry["next"][transition.id]:
                continue
            new_ctx, errors = self._publish(task_id, transition, context, scope)
            if errors:
                for error in errors:
                    self.log_exception(error, task_id, route, transition.id)
                self.state.status = st.FAILED
                continue
            out_ctxs = list(entry["ctxs"]["in"])
            if new_ctx:
                self.state.contexts.append(new_ctx)
                out_ctxs.append(len(self.state.contexts) - 1)
                entry["ctxs"]["out"] = {transition.id: len(self.state.contexts) - 1}
            staged = self._stage_next(transition, route, out_ctxs, index)
            if transition.target in machines.ENGINE_COMMAND_STATUS:
                engine_queue.append((staged["id"], staged["route"]))
                manual_fail = manual_fail or transition.target == "fail"
            elif staged["ready"]:
                ready_tasks.append(staged)
        if manual_fail:
            for staged in ready_tasks:
                staged["run_on_fail"] = True
        return engine_queue

    def _publish(self, task_id, transition, context, scope):
        task_spec = self.spec.tasks[task_id]
        published, errors, rolling = {}, [], dict(context)
        for name, value in task_spec.next[transition.ref].publish:
            try:
                rendered = evaluate(value, scope.with_vars(rolling))
                rolling = _with(rolling, name, rendered)
                published[name] = rendered
            except ExpressionError as e:
                errors.append(e)
        return published, errors

    def _stage_next(self, transition, route, out_ctxs, index):
        target = transition.target
        next_route = self._evaluate_route(transition, route)
        staged = self.state.staged_task(target, next_route)
        backref = "%s__t%d" % (transition.source, transition.key)
        if staged is not None:
            out_ctxs.remove(0)
            staged["ctxs"]["in"].extend(out_ctxs)
            staged["prev"][backref] = index
            staged.pop("items", None)
            staged.pop("completed", None)
            staged.pop("rendered_items", None)
        else:
            staged = self.state.stage(target, next_route, out_ctxs, {backref: index}, ready=False)
        staged["ready"] = self.inbound_criteria_status(target, route) == SATISFIED
        return staged

    def _evaluate_route(self, transition, route):
        target = transition.target
        if not self.spec.is_split(target) or self.spec.in_cycle(target):
            return route
        split_point = "%s__t%d" % (transition.source, transition.key)
        details = self.state.routes[route]
        if split_point in details:
            return route
        self.state.routes.append(details + [split_point])
        return len(self.state.routes) - 1

    # -- workflow status ----------------------------------------------------------------------
    def resume(self, status=st.RESUMING):
        """Ask a pausing or paused workflow to go on: `resuming` before an answered inquiry's
        outcome is reported, `running` before a paused task (a sub-workflow) resumes, as
        StackStorm's workflow service asks orquesta's conductor."""
        finished = not (
            self.state.has_active_tasks
            or self.state.has_staged_tasks
            or self.state.has_task_in(st.HELD)
        )
        self.state.status = machines.resume_status(self.status, status, finished)

    def _update_workflow_status(self, task_id, route, task_status):
        if task_status == st.RUNNING:  # only a paused or resuming workflow changes here
            self.state.status = machines.next_workflow_status(
                self.status, task_status, False, True, True
            )
            return
        if task_status not in st.COMPLETED | st.HELD and task_status != st.RETRYING:
            return
        # A failure is remediated by any satisfied transition, one to a join that can no longer
        # be satisfied included (the workflow then fails on that unreachable join once it ends).
        remediated = task_status in st.ABENDED and self.has_next_tasks(
            task_id, route, eval_join_ready=False
        )
        incomplete = self.state.has_staged_tasks or self.has_next_tasks(task_id, route)
        self.state.status = machines.next_workflow_status(
            self.status,
            task_status,
            remediated,
            self.state.has_active_tasks,
            incomplete,
            canceled=self.state.has_task_in((st.CANCELED,)),
            held=self.state.has_task_in(st.HELD),
        )
        if self.status in st.COMPLETED:
            self._fail_on_unreachable_joins()

    def _fail_on_unreachable_joins(self):
        barriers = set(self.graph.barriers())
        for staged in list(self.state.staged):
            if staged["id"] not in barriers or staged["ready"]:
                continue
            if self.inbound_criteria_status(staged["id"], staged["route"]) == NOT_SATISFIED:
                self.state.status = st.FAILED
                self.log_error(
                    'UnreachableJoinError: The join task|route "%s|%s" is partially '
                    "satisfied but unreachable." % (staged["id"], staged["route"]),
                    task_id=staged["id"],
                    route=staged["route"],
                )

    # -- output -------------------------------------------------------------------------------
    def terminal_context(self):
        terminals = self.state.terminal_entries()
        if not terminals:
            return {}
        merged = self.task_context(terminals[0]["ctxs"]["in"])
        for entry in terminals[1:]:
            merged = dicts.merge(
                merged, self.task_context([i for i in entry["ctxs"]["in"] if i != 0])
            )
        return merged

    def render_output(self):
        if self.status not in st.COMPLETED or self.output:
            return
        outputs = {}
        _, errors = self._render_sequence(self.spec.output, self.terminal_context(), outputs)
        if outputs:
            self.output = outputs
        for error in errors:
            self.log_exception(error)
        if errors and self.status != st.CANCELED:
            self.state.status = st.FAILED


def _with(variables, name, value):
    """A new dict (expressions memoize their view of a dict by identity, so never mutate one)."""
    extended = dict(variables)
    extended[name] = value
    return extended
