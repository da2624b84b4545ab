"""The workflow engine on a pending task, as orquesta's conductor and StackStorm's workflow
service handle it: the workflow pauses once nothing else runs, its run is handed over as JSON,
and a later run from that snapshot goes on when the answer has come."""

import json
import threading
import time

from st2lite.orquesta import run_workflow
from st2lite.orquesta.runner import NEWS_COMPLETED, Parking

BRANCHES = """
version: 1.0
tasks:
  start:
    action: core.noop
    next:
      - do: [ask, work]
  ask:
    action: core.ask
    next:
      - when: <% succeeded() %>
        publish: answer=<% result().response.continue %>
        do: after_ask
      - when: <% failed() %>
        publish: answer="none"
        do: after_ask
  after_ask:
    action: core.noop
  work:
    action: test.work
output:
  - answer: <% ctx().answer %>
"""


class Answers(Parking):
    """Inquiries answered from a dict; every paused run kept as the JSON it would be stored as,
    and every status shown along the way."""

    def __init__(self):
        self.outcomes = {}
        self.saved = None
        self.shown = []

    def news(self, execution_id):
        return NEWS_COMPLETED if execution_id in self.outcomes else None

    def outcome(self, execution_id):
        return self.outcomes[execution_id]

    def resume(self, execution_id):
        raise AssertionError("no sub-workflow here")

    def pause(self, snapshot):
        if any(self.news(p["execution_id"]) for p in snapshot["parked"]):
            return False
        self.saved = json.loads(json.dumps(snapshot))
        return True

    def show_status(self, status):
        self.shown.append(status)


class Executor(object):
    """core.ask is pending (execution id `ask:TASK`); test.work waits for `release`."""

    def __init__(self):
        self.release = threading.Event()
        self.calls = []

    def __call__(self, task, item, action, parameters):
        self.calls.append(task)
        if action == "core.ask":
            return "pending", {"schema": {}}, "ask:%s" % task
        if action == "test.work":
            assert self.release.wait(30)
        return "succeeded", {}


def _parked_tasks(answers):
    return [p["task_id"] for p in answers.saved["parked"]]


def test_the_workflow_pauses_after_its_other_branches_end_and_resumes_on_the_answer():
    executor, answers = Executor(), Answers()
    executor.release.set()
    outcome = run_workflow(BRANCHES, {}, executor, parking=answers)
    assert outcome.status == "paused" and outcome.output is None and outcome.errors == []
    assert sorted(executor.calls) == ["ask", "start", "work"]
    assert _parked_tasks(answers) == ["ask"]
    answers.outcomes["ask:ask"] = ("succeeded", {"response": {"continue": True}})
    outcome = run_workflow(BRANCHES, {}, executor, parking=answers, saved=answers.saved)
    assert outcome.status == "succeeded" and outcome.output == {"answer": True}
    assert executor.calls.count("after_ask") == 1 and executor.calls.count("work") == 1


def test_an_answer_while_another_branch_runs_is_taken_by_the_same_run():
    executor, answers = Executor(), Answers()
    holder = {}
    thread = threading.Thread(
        target=lambda: holder.update(outcome=run_workflow(BRANCHES, {}, executor, parking=answers))
    )
    thread.start()
    answers.outcomes["ask:ask"] = ("succeeded", {"response": {"continue": False}})
    executor.release.set()
    thread.join(30)
    assert holder["outcome"].status == "succeeded"
    assert holder["outcome"].output == {"answer": False}
    assert answers.saved is None  # it never had to hand the run over


def test_pausing_is_shown_while_the_other_branch_runs():
    executor, answers = Executor(), Answers()
    holder = {}
    thread = threading.Thread(
        target=lambda: holder.update(outcome=run_workflow(BRANCHES, {}, executor, parking=answers))
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not answers.shown and time.monotonic() < deadline:
        time.sleep(0.05)
    assert answers.shown == ["pausing"]
    executor.release.set()
    thread.join(30)
    assert holder["outcome"].status == "paused"


def test_a_timed_out_answer_fails_the_task_which_a_transition_may_handle():
    executor, answers = Executor(), Answers()
    executor.release.set()
    run_workflow(BRANCHES, {}, executor, parking=answers)
    answers.outcomes["ask:ask"] = ("timeout", {"schema": {}})
    outcome = run_workflow(BRANCHES, {}, executor, parking=answers, saved=answers.saved)
    assert outcome.status == "succeeded" and outcome.output == {"answer": "none"}


def test_a_timed_out_answer_with_nothing_to_handle_it_fails_the_workflow():
    definition = """
version: 1.0
tasks:
  ask:
    action: core.ask
    next:
      - when: <% succeeded() %>
        do: done
  done:
    action: core.noop
"""
    executor, answers = Executor(), Answers()
    assert run_workflow(definition, {}, executor, parking=answers).status == "paused"
    answers.outcomes["ask:ask"] = ("timeout", {})
    outcome = run_workflow(definition, {}, executor, parking=answers, saved=answers.saved)
    assert outcome.status == "failed"
    assert "done" not in executor.calls


def test_two_pending_questions_keep_it_paused_until_both_are_answered():
    definition = """
version: 1.0
tasks:
  start:
    action: core.noop
    next:
      - do: [a, b]
  a:
    action: core.ask
    next:
      - do: join
  b:
    action: core.ask
    next:
      - do: join
  join:
    join: all
    action: core.noop
"""
    executor, answers = Executor(), Answers()
    run_workflow(definition, {}, executor, parking=answers)
    assert _parked_tasks(answers) == ["a", "b"]
    answers.outcomes["ask:a"] = ("succeeded", {"response": {}})
    assert (
        run_workflow(definition, {}, executor, parking=answers, saved=answers.saved).status
        == "paused"
    )
    assert _parked_tasks(answers) == ["b"] and "join" not in executor.calls
    answers.outcomes["ask:b"] = ("succeeded", {"response": {}})
    outcome = run_workflow(definition, {}, executor, parking=answers, saved=answers.saved)
    assert outcome.status == "succeeded" and executor.calls.count("join") == 1


def test_items_that_ask_hold_their_task_until_each_is_answered():
    definition = """
version: 1.0
tasks:
  ask_each:
    with: <% range(2) %>
    action: core.ask
    next:
      - when: <% succeeded() %>
        publish: answers=<% result().select($.response.n) %>
output:
  - answers: <% ctx().answers %>
"""
    calls = []

    def executor(task, item, action, parameters):
        calls.append(item)
        return "pending", {}, "ask:%d" % item

    answers = Answers()
    assert run_workflow(definition, {}, executor, parking=answers).status == "paused"
    answers.outcomes["ask:1"] = ("succeeded", {"response": {"n": 1}})
    assert (
        run_workflow(definition, {}, executor, parking=answers, saved=answers.saved).status
        == "paused"
    )
    answers.outcomes["ask:0"] = ("succeeded", {"response": {"n": 0}})
    outcome = run_workflow(definition, {}, executor, parking=answers, saved=answers.saved)
    assert outcome.status == "succeeded", outcome.errors
    assert outcome.output == {"answers": [0, 1]}
    assert sorted(calls) == [0, 1]


def test_without_parking_the_run_ends_paused():
    outcome = run_workflow("version: 1.0\ntasks:\n  ask:\n    action: core.ask\n", {}, Executor())
    assert outcome.status == "paused"
