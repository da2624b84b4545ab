"""Drive a Conductor to completion: run the actions of ready tasks on worker threads through the
runtime's executor, report their completions, and render the output.

Each action runs on a thread of its own (or on a pool of `max_workers`) and always reports back
exactly once, so the driver's wait ends after at most as many completions as it started actions
(bounded by MAX_ACTIONS); how long one action may take is the executor's own timeout.

Completions are reported in the order their actions were dispatched. When several actions were
dispatched together, the first completion waits a short grace period for its siblings so that they
are reported together before new tasks are asked for, as StackStorm's workflow engine sees them
when they finish at the same time (this decides, for instance, how often a `join: 1` task runs).
"""
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from st2lite.orquesta import statuses as st
from st2lite.orquesta.conductor import Conductor, Event
from st2lite.orquesta.errors import ActionRequestError, action_not_found

SIBLING_GRACE_SECONDS = 0.5
MAX_ACTIONS = 100000
_EXECUTOR_STATUSES = {"succeeded": st.SUCCEEDED, "failed": st.FAILED, "timeout": st.EXPIRED,
                      "canceled": st.CANCELED}


class _Dispatch(object):
    __slots__ = ("seq", "batch", "task_id", "route", "item_id", "action", "parameters", "delay")

    def __init__(self, seq, batch, task, action, delay):
        self.seq = seq
        self.batch = batch
        self.task_id = task["id"]
        self.route = task["route"]
        self.item_id = action["item_id"]
        self.action = action["action"]
        self.parameters = action["input"]
        self.delay = delay


class Driver(object):
    def __init__(self, conductor, executor, max_workers=None, actions=None):
        self.conductor = conductor
        self.executor = executor
        self.actions = actions
        self.max_workers = max_workers
        self.pool = None
        self.completions = queue.Queue()
        self.in_flight = {}
        self.item_results = {}
        self.seq = 0
        self.batch = 0

    def run(self):
        if self.max_workers is None:
            self._loop()
            return
        with ThreadPoolExecutor(max_workers=self.max_workers,
                                thread_name_prefix="orquesta-action") as pool:
            self.pool = pool
            self._loop()

    def _loop(self):
        self._dispatch_ready()
        while self.in_flight:
            for dispatch, status, result in self._next_completions():
                self._report(dispatch, status, result)
            self._dispatch_ready()

    def _start(self, dispatch):
        """On the pool when the caller bounded the workers, else on a thread of its own: an
        action may wait for another one (a deploy for its build), so none may starve."""
        if self.pool is not None:
            self.pool.submit(self._execute, dispatch)
        else:
            threading.Thread(target=self._execute, args=(dispatch,), daemon=True,
                             name="orquesta-%s" % dispatch.task_id).start()

    # -- dispatch -----------------------------------------------------------------------------
    def _dispatch_ready(self):
        """Mark every ready task running, then request each in turn, as StackStorm's workflow
        service does: when marking fails (a retry count that is not an integer, say), nothing of
        the batch starts; when a request fails (an action that cannot be found, say), the
        workflow fails and the tasks after it do not start either."""
        while True:
            tasks = self.conductor.get_next_tasks()
            if not tasks:
                return
            self.batch += 1
            if not all(self._mark_running(task) for task in tasks):
                return
            for task in tasks:
                if not self._request(task):
                    return
            if self.in_flight:
                return

    def _count_start(self):
        self.seq += 1
        if self.seq > MAX_ACTIONS:
            raise RuntimeError("The workflow started more than %d actions; it looks like a "
                               "transition loop that never ends." % MAX_ACTIONS)

    def _mark_running(self, task):
        if "items_count" in task:
            self._prepare_item_results(task)
        if task.get("items_count") == 0:
            return self._update(task["id"], task["route"], Event(st.RUNNING))
        return all(self._update(task["id"], task["route"], Event(st.RUNNING, item_id=a["item_id"]))
                   for a in task["actions"])

    def _request(self, task):
        if task.get("items_count") == 0 or self._is_action_less(task):
            # Nothing to run (no items, or a task that only transitions): it succeeds at once.
            self._count_start()
            self._update(task["id"], task["route"], Event(
                st.SUCCEEDED, result=[] if "items_count" in task else None))
            return True
        if (task.get("delay") or 0) < 0:
            # StackStorm's task execution record refuses a negative delay: the workflow fails.
            return self._fail_workflow(
                "ValueError: The delay of task \"%s\" is %s; give a number of seconds of 0 or "
                "more." % (task["id"], task["delay"]), task["id"], task["route"])
        for action in task["actions"]:
            refusal = self._refusal(action)
            if refusal is not None:
                # StackStorm fails the workflow itself: the task's own `next` handlers never run.
                return self._fail_workflow(refusal, task["id"], task["route"])
            self._count_start()
            dispatch = _Dispatch(self.seq, self.batch, task, action, _action_delay(task, action))
            self.in_flight[dispatch.seq] = dispatch
            self._start(dispatch)
        return True

    def _is_action_less(self, task):
        """A task without an `action` in its definition; one whose action expression renders to
        nothing is not, and cannot start."""
        return "items_count" not in task and self.conductor.spec.tasks[task["id"]].action is None

    def _refusal(self, action):
        """Why the action cannot be requested, as the workflow's error message, or None."""
        ref = action["action"]
        try:
            if not ref or not isinstance(ref, str):
                raise action_not_found(ref)
            if self.actions is not None:
                self.actions.check_request(ref, action["input"])
        except ActionRequestError as e:
            return "%s: %s" % (e.kind, e)
        return None

    def _fail_workflow(self, message, task_id=None, route=None):
        """Fail the workflow with one error, as StackStorm's fail_workflow_execution does: its
        output is rendered now, from the tasks completed so far. Returns False."""
        self.conductor.log_error(message, task_id=task_id, route=route)
        self.conductor.state.status = st.FAILED
        self.conductor.render_output()
        return False

    def _prepare_item_results(self, task):
        key = (task["id"], task["route"])
        staged = self.conductor.state.staged_task(*key)
        fresh = staged is None or all(i["status"] == st.UNSET for i in staged.get("items", []))
        if fresh or key not in self.item_results:
            self.item_results[key] = [None] * task["items_count"]

    def _execute(self, dispatch):
        try:
            if dispatch.delay:
                time.sleep(dispatch.delay)
            status, result = self.executor(dispatch.task_id, dispatch.item_id, dispatch.action,
                                           dispatch.parameters)
        except BaseException as e:  # noqa: B036 - every started action must report back once,
            # or the driver would wait for it forever; a crash fails only this task.
            status, result = "failed", {"error": "%s: %s" % (type(e).__name__, e)}
        self.completions.put((dispatch, status, result))

    # -- completion ---------------------------------------------------------------------------
    def _next_completions(self):
        first = self.completions.get()
        group = [first]
        siblings = {d.seq for d in self.in_flight.values() if d.batch == first[0].batch}
        siblings.discard(first[0].seq)
        deadline = time.monotonic() + SIBLING_GRACE_SECONDS
        while siblings:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                done = self.completions.get(timeout=remaining)
            except queue.Empty:
                break
            group.append(done)
            siblings.discard(done[0].seq)
        while True:
            try:
                group.append(self.completions.get_nowait())
            except queue.Empty:
                break
        return sorted(group, key=lambda c: c[0].seq)

    def _report(self, dispatch, status, result):
        del self.in_flight[dispatch.seq]
        task_status = _EXECUTOR_STATUSES.get(status, st.FAILED)
        if dispatch.item_id is None:
            event = Event(task_status, result=result)
        else:
            results = self.item_results[(dispatch.task_id, dispatch.route)]
            results[dispatch.item_id] = result
            event = Event(task_status, result=result, item_id=dispatch.item_id,
                          accumulated=list(results))
        self._update(dispatch.task_id, dispatch.route, event)

    def _update(self, task_id, route, event):
        """Report an event; an error while processing it (a retry count or condition that does
        not evaluate, say) fails the workflow with that error, as StackStorm's engine does.
        Returns whether the event was processed."""
        try:
            self.conductor.update_task_state(task_id, route, event)
            return True
        except Exception as e:
            self.conductor.log_exception(e, task_id=task_id, route=route)
            self.conductor.state.status = st.FAILED
            return False


def _action_delay(task, action):
    """StackStorm delays a with-items task's items only up to its concurrency (item indexes below
    it), and all of them when it has none."""
    delay = task.get("delay")
    concurrency = task.get("concurrency")
    if delay and "items_count" in task and concurrency and action["item_id"] >= concurrency:
        return 0
    return delay or 0


def drive(spec, graph, inputs, executor, kv_get=None, context=None, max_workers=None,
          actions=None):
    """Run the workflow to its end; returns the finished Conductor."""
    conductor = Conductor(spec, graph, inputs=inputs, context=context, kv_get=kv_get)
    try:
        Driver(conductor, executor, max_workers, actions).run()
    except RuntimeError as e:
        conductor.log_error(str(e))
        conductor.state.status = st.FAILED
    if conductor.status == st.RUNNING:
        conductor.log_error("The workflow stalled: no task is running and none can start.")
        conductor.state.status = st.FAILED
    conductor.render_output()
    return conductor
