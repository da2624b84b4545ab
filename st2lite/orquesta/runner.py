"""Drive a Conductor to completion: run the actions of ready tasks on worker threads through the
runtime's executor, report their completions, and render the output.

Each action runs on a thread of its own (or on a pool of `max_workers`) and always reports back
exactly once, so the driver's wait ends after at most as many completions as it started actions
(bounded by MAX_ACTIONS); how long one action may take is the executor's own timeout.

Completions are reported in the order their actions were dispatched. When several actions were
dispatched together, the first completion waits a short grace period for its siblings so that they
are reported together before new tasks are asked for, as StackStorm's workflow engine sees them
when they finish at the same time (this decides, for instance, how often a `join: 1` task runs).

An action that waits for an answer from outside (an inquiry: `pending`) or a sub-workflow that
paused (`paused`) holds its task, and the workflow pauses once nothing else runs. Such an
execution is parked: the executor names it by returning (status, result, execution_id). With a
`parking` (see Parking), the driver then asks whether each parked execution has news, resumes
the workflow for it as StackStorm does, and when nothing else runs hands `parking.pause` a
snapshot to record; a Driver made from that snapshot goes on with the run, in another process.
"""

import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from st2lite.orquesta import statuses as st
from st2lite.orquesta.conductor import Conductor, Event
from st2lite.orquesta.errors import ActionRequestError, action_not_found

SIBLING_GRACE_SECONDS = 0.5
PARKED_POLL_SECONDS = 1.0  # how often parked executions are asked for news while others run
MAX_ACTIONS = 100000
_EXECUTOR_STATUSES = {
    "succeeded": st.SUCCEEDED,
    "failed": st.FAILED,
    "timeout": st.EXPIRED,
    "canceled": st.CANCELED,
    "pending": st.PENDING,
    "paused": st.PAUSED,
}
_PARKED = (st.PENDING, st.PAUSED)
_PAUSE_ASKED = (st.PAUSING, st.PAUSED)  # with nothing running or parked: a pause was asked

NEWS_COMPLETED = "completed"  # the parked execution ended (an inquiry answered or timed out)
NEWS_RESUMABLE = "resumable"  # a parked sub-workflow has news further down: resume it


class Parking(object):
    """What the driver asks of its caller about parked executions (the runner implements it)."""

    def news(self, execution_id):
        """NEWS_COMPLETED, NEWS_RESUMABLE or None."""
        raise NotImplementedError

    def outcome(self, execution_id):
        """(status, result) of a completed execution."""
        raise NotImplementedError

    def resume(self, execution_id):
        """Resume a paused sub-workflow to its next stop: (status, result[, execution_id])."""
        raise NotImplementedError

    def pause(self, snapshot):
        """Record the paused run, unless a parked execution has news by then (atomically):
        whether it was recorded."""
        raise NotImplementedError

    def show_status(self, status):
        """The run goes on `pausing` (other tasks finish first) or `running` again."""
        raise NotImplementedError


class Requests(object):
    """Status changes asked of the running workflow from outside (another thread): `canceling`,
    `pausing`, `resuming`. The driver applies them between completions; `ask` wakes it, and a
    cancel also ends the waits of delayed tasks (`canceled` is set). `look`, if given, is
    called by `take` first: it asks what was requested until then (the store, not a poll)."""

    def __init__(self, look=None):
        self._look = look
        self._lock = threading.Lock()
        self._asked = []
        self._wake = None
        self.canceled = threading.Event()

    def ask(self, status):
        with self._lock:
            self._asked.append(status)
            wake = self._wake
        if status == st.CANCELING:
            self.canceled.set()
        if wake is not None:
            wake()

    def bind(self, wake):
        with self._lock:
            self._wake = wake

    def take(self):
        if self._look is not None:
            self._look()
        with self._lock:
            asked, self._asked = self._asked, []
        return asked


_WAKE = object()  # a completion that only wakes the driver up for a request


class _Dispatch(object):
    __slots__ = (
        "seq",
        "batch",
        "task_id",
        "route",
        "item_id",
        "action",
        "parameters",
        "delay",
        "execution_id",
    )

    def __init__(self, seq, batch, task, action, delay):
        self.seq = seq
        self.batch = batch
        self.task_id = task["id"]
        self.route = task["route"]
        self.item_id = action["item_id"]
        self.action = action["action"]
        self.parameters = action["input"]
        self.delay = delay
        self.execution_id = None

    def to_dict(self):
        return dict((name, getattr(self, name)) for name in self.__slots__)

    @classmethod
    def from_dict(cls, data):
        dispatch = cls.__new__(cls)
        for name in cls.__slots__:
            setattr(dispatch, name, data[name])
        return dispatch


class Driver(object):
    def __init__(
        self,
        conductor,
        executor,
        max_workers=None,
        actions=None,
        parking=None,
        saved=None,
        requests=None,
    ):
        self.conductor = conductor
        self.requests = requests or Requests()
        self.executor = executor
        self.actions = actions
        self.parking = parking
        self.max_workers = max_workers
        self.pool = None
        self.completions = queue.Queue()
        self.in_flight = {}
        self.parked = {}
        self.item_results = {}
        self.seq = 0
        self.batch = 0
        self.shown_status = st.RUNNING
        if saved is not None:
            self._restore(saved)

    def snapshot(self):
        """The paused run (nothing in flight), JSON types only: see Conductor.snapshot."""
        return {
            "conductor": self.conductor.snapshot(),
            "parked": [self.parked[seq].to_dict() for seq in sorted(self.parked)],
            "item_results": [
                [task_id, route, results] for (task_id, route), results in self.item_results.items()
            ],
            "seq": self.seq,
            "batch": self.batch,
        }

    def _restore(self, saved):
        self.parked = dict((d["seq"], _Dispatch.from_dict(d)) for d in saved["parked"])
        self.item_results = dict(
            ((task_id, route), results) for task_id, route, results in saved["item_results"]
        )
        self.seq, self.batch = saved["seq"], saved["batch"]

    def run(self):
        if self.max_workers is None:
            self._loop()
            return
        with ThreadPoolExecutor(
            max_workers=self.max_workers, thread_name_prefix="orquesta-action"
        ) as pool:
            self.pool = pool
            self._loop()

    def _loop(self):
        self.requests.bind(lambda: self.completions.put(_WAKE))
        self._apply_requests()
        self._dispatch_ready()
        while self.in_flight or self.parked or self.conductor.status in _PAUSE_ASKED:
            if self.in_flight:
                wait = PARKED_POLL_SECONDS if self.parked and self.parking else None
                for dispatch, status, result in self._next_completions(wait):
                    self._report(dispatch, status, result)
            elif self.conductor.status in st.COMPLETED or self._pause():
                return
            self._apply_requests()
            self._unpark_news()
            self._dispatch_ready()
            self._show_status()

    # -- requests from outside ----------------------------------------------------------------
    def _apply_requests(self):
        """As orquesta's conductor.request_workflow_status: a cancel or pause waits for the
        running tasks (`canceling`, `pausing`) and no new task starts meanwhile; a resume goes
        on with a paused run."""
        for status in self.requests.take():
            current = self.conductor.status
            if status == st.CANCELING and current not in st.COMPLETED:
                self.conductor.state.status = st.CANCELING if self.in_flight else st.CANCELED
            elif status == st.PAUSING and current in st.STARTING:
                self.conductor.state.status = st.PAUSING if self.in_flight else st.PAUSED
            elif status == st.RESUMING:
                self.conductor.resume(st.RESUMING)

    def _start(self, dispatch, resume=False):
        """On the pool when the caller bounded the workers, else on a thread of its own: an
        action may wait for another one (a deploy for its build), so none may starve."""
        if self.pool is not None:
            self.pool.submit(self._execute, dispatch, resume)
        else:
            threading.Thread(
                target=self._execute,
                args=(dispatch, resume),
                daemon=True,
                name="orquesta-%s" % dispatch.task_id,
            ).start()

    # -- parked executions --------------------------------------------------------------------
    def _show_status(self):
        status = self.conductor.status
        shown = {st.PAUSING: st.PAUSING, st.CANCELING: st.CANCELING}.get(
            status, st.RUNNING if status in st.STARTING else None
        )
        if self.parking is not None and shown not in (None, self.shown_status):
            self.shown_status = shown
            self.parking.show_status(shown)

    def _pause(self):
        """Only parked tasks remain, so the workflow is paused: whether that was recorded (no
        parked execution had news meanwhile)."""
        self.conductor.state.status = st.PAUSED
        return self.parking is None or self.parking.pause(self.snapshot())

    def _unpark_news(self):
        """Go on with each parked execution that has news, as StackStorm does: an answered
        inquiry resumes its workflow and then reports its outcome; a sub-workflow with news
        further down is resumed, its task running again."""
        if self.parking is None or self.conductor.status in st.COMPLETED:
            return
        for seq in sorted(self.parked):
            dispatch = self.parked[seq]
            news = self.parking.news(dispatch.execution_id)
            if news is None:
                continue
            del self.parked[seq]
            self.in_flight[seq] = dispatch
            if news == NEWS_COMPLETED:
                self.conductor.resume(st.RESUMING)
                if dispatch.item_id is not None:  # a held with-items task runs again first
                    self._update(
                        dispatch.task_id,
                        dispatch.route,
                        Event(st.RUNNING, item_id=dispatch.item_id),
                    )
                self._report(dispatch, *self.parking.outcome(dispatch.execution_id))
            else:
                self.conductor.resume(st.RUNNING)
                self._update(
                    dispatch.task_id, dispatch.route, Event(st.RUNNING, item_id=dispatch.item_id)
                )
                self._start(dispatch, resume=True)

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
            raise RuntimeError(
                "The workflow started more than %d actions; it looks like a "
                "transition loop that never ends." % MAX_ACTIONS
            )

    def _mark_running(self, task):
        if "items_count" in task:
            self._prepare_item_results(task)
        if task.get("items_count") == 0:
            return self._update(task["id"], task["route"], Event(st.RUNNING))
        return all(
            self._update(task["id"], task["route"], Event(st.RUNNING, item_id=a["item_id"]))
            for a in task["actions"]
        )

    def _request(self, task):
        if task.get("items_count") == 0 or self._is_action_less(task):
            # Nothing to run (no items, or a task that only transitions): it succeeds at once.
            self._count_start()
            self._update(
                task["id"],
                task["route"],
                Event(st.SUCCEEDED, result=[] if "items_count" in task else None),
            )
            return True
        if (task.get("delay") or 0) < 0:
            # StackStorm's task execution record refuses a negative delay: the workflow fails.
            return self._fail_workflow(
                'ValueError: The delay of task "%s" is %s; give a number of seconds of 0 or '
                "more." % (task["id"], task["delay"]),
                task["id"],
                task["route"],
            )
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

    def _execute(self, dispatch, resume=False):
        try:
            if resume:
                outcome = self.parking.resume(dispatch.execution_id)
            elif dispatch.delay and _delay_canceled(dispatch.delay, self.requests.canceled):
                # canceled while delayed: StackStorm cancels a delayed task's action
                outcome = ("canceled", None)
            else:
                outcome = self.executor(
                    dispatch.task_id, dispatch.item_id, dispatch.action, dispatch.parameters
                )
            status, result = outcome[0], outcome[1]
            if len(outcome) > 2:
                dispatch.execution_id = outcome[2]
        except BaseException as e:  # noqa: B036 - every started action must report back once,
            # or the driver would wait for it forever; a crash fails only this task.
            status, result = "failed", {"error": "%s: %s" % (type(e).__name__, e)}
        self.completions.put((dispatch, status, result))

    # -- completion ---------------------------------------------------------------------------
    def _next_completions(self, timeout=None):
        try:
            first = self.completions.get(timeout=timeout)
        except queue.Empty:
            return []
        if first is _WAKE:
            return []
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
            if done is _WAKE:
                continue
            group.append(done)
            siblings.discard(done[0].seq)
        while True:
            try:
                done = self.completions.get_nowait()
            except queue.Empty:
                break
            if done is not _WAKE:
                group.append(done)
        return sorted(group, key=lambda c: c[0].seq)

    def _report(self, dispatch, status, result):
        del self.in_flight[dispatch.seq]
        task_status = _EXECUTOR_STATUSES.get(status, st.FAILED)
        if task_status in _PARKED:
            self.parked[dispatch.seq] = dispatch
        if dispatch.item_id is None:
            event = Event(task_status, result=result)
        else:
            results = self.item_results[(dispatch.task_id, dispatch.route)]
            results[dispatch.item_id] = result
            event = Event(
                task_status, result=result, item_id=dispatch.item_id, accumulated=list(results)
            )
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


def _delay_canceled(seconds, canceled):
    """Wait out a task's delay; whether a cancel (the event CANCELED) ended it first."""
    return canceled.wait(seconds)


def _action_delay(task, action):
    """StackStorm delays a with-items task's items only up to its concurrency (item indexes below
    it), and all of them when it has none."""
    delay = task.get("delay")
    concurrency = task.get("concurrency")
    if delay and "items_count" in task and concurrency and action["item_id"] >= concurrency:
        return 0
    return delay or 0


def drive(
    spec,
    graph,
    inputs,
    executor,
    kv_get=None,
    context=None,
    max_workers=None,
    actions=None,
    parking=None,
    saved=None,
    requests=None,
):
    """Run the workflow (or with `saved`, a Driver snapshot, go on with the run it was) to its
    end or until it pauses; returns the Conductor. `requests` (Requests) carries cancel, pause
    and resume requests from outside."""
    conductor = Conductor(
        spec,
        graph,
        inputs=inputs,
        context=context,
        kv_get=kv_get,
        saved=saved and saved["conductor"],
    )
    try:
        Driver(conductor, executor, max_workers, actions, parking, saved, requests).run()
    except RuntimeError as e:
        conductor.log_error(str(e))
        conductor.state.status = st.FAILED
    if conductor.status in (st.RUNNING, st.RESUMING, st.PAUSING):
        conductor.log_error("The workflow stalled: no task is running and none can start.")
        conductor.state.status = st.FAILED
    conductor.render_output()
    return conductor
