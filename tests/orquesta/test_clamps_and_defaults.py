"""Where a value is out of range, of an unexpected type or left out, the engine does what
orquesta's conductor and StackStorm's workflow service do with it (each test runs a workflow)."""

import time

import pytest
from engine_helpers import RecordingExecutor

from st2lite.orquesta import run_workflow, runner


class RecordingClock(object):
    """Stands for the time module in the runner: records the delays asked for, waits none."""

    def __init__(self):
        self.delays = []

    def sleep(self, seconds):
        self.delays.append(seconds)

    monotonic = staticmethod(time.monotonic)


@pytest.fixture
def clock(monkeypatch):
    recording = RecordingClock()
    monkeypatch.setattr(runner, "time", recording)
    monkeypatch.setattr(runner, "_delay_canceled", lambda seconds, _: recording.sleep(seconds))
    return recording


def items_workflow(concurrency, items="<% list(1, 2, 3) %>", extra=""):
    return """
version: 1.0
tasks:
  each:%s
    with:
      items: x in %s
      concurrency: %s
    action: core.echo message=<%% item(x) %%>
""" % (extra, items, concurrency)


# -- with-items --------------------------------------------------------------------------------
@pytest.mark.parametrize("concurrency", ["<% 0 %>", "<% -2 %>"])
def test_a_concurrency_of_zero_or_less_runs_the_items_one_at_a_time(concurrency):
    executor = RecordingExecutor(pause=0.05)
    outcome = run_workflow(items_workflow(concurrency), {}, executor)
    assert outcome.status == "succeeded"
    assert sorted(c[1] for c in executor.calls) == [0, 1, 2]
    assert executor.peak == 1


def test_a_concurrency_that_is_not_a_number_fails_the_workflow_before_any_item():
    executor = RecordingExecutor()
    outcome = run_workflow(items_workflow('"2"'), {}, executor)
    assert outcome.status == "failed" and executor.calls == []
    assert outcome.errors == [
        {
            "type": "error",
            "task_id": "each",
            "route": 0,
            "message": "TypeError: The with-items concurrency of task \"each\" is '2', not an "
            "integer; give a whole number or an expression that evaluates to one.",
        }
    ]


def test_items_that_are_not_a_list_fail_the_workflow_with_a_type_error():
    executor = RecordingExecutor()
    outcome = run_workflow(items_workflow(1, items="<% dict(a => 1) %>"), {}, executor)
    assert outcome.status == "failed" and executor.calls == []
    assert [e["message"] for e in outcome.errors] == [
        'TypeError: The value of "<% dict(a => 1) %>" is not type of list.'
    ]


def test_an_item_that_cannot_render_fails_the_workflow_before_any_item_runs():
    wf = """
version: 1.0
tasks:
  each:
    with:
      items: x in <% list(1, 0) %>
      concurrency: 1
    action: core.echo message=<% 10 / item(x) %>
"""
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "failed" and executor.calls == []
    assert "ZeroDivisionError" in outcome.errors[0]["message"]


# -- retry and delay ---------------------------------------------------------------------------
def test_a_boolean_retry_count_counts_as_one_retry():
    wf = (
        "version: 1.0\ntasks:\n  t:\n    action: test.broken\n    retry:\n      count: <% true %>\n"
    )
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "failed"
    assert executor.tasks() == ["t", "t"]


def test_a_retry_count_that_is_not_an_integer_starts_no_action():
    wf = "version: 1.0\ntasks:\n  t:\n    action: core.noop\n    retry:\n      count: <% 1.5 %>\n"
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "failed" and executor.calls == []
    assert [e["message"] for e in outcome.errors] == [
        'ValueError: The retry count for task "t" is not an integer.'
    ]


def test_a_boolean_task_delay_is_a_delay_of_one_second(clock):
    wf = "version: 1.0\ntasks:\n  t:\n    delay: <% true %>\n    action: core.noop\n"
    executor = RecordingExecutor()
    assert run_workflow(wf, {}, executor).status == "succeeded"
    assert executor.tasks() == ["t"] and clock.delays == [True]


def test_a_negative_delay_fails_the_workflow_without_running_the_task_or_its_remediation(clock):
    wf = """
version: 1.0
tasks:
  t:
    delay: <% -1 %>
    action: core.noop
    next:
      - when: <% failed() %>
        do: cleanup
  cleanup:
    action: core.noop
"""
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "failed" and executor.calls == [] and clock.delays == []
    assert outcome.errors == [
        {
            "type": "error",
            "task_id": "t",
            "route": 0,
            "message": 'ValueError: The delay of task "t" is -1; give a number of seconds of 0 or more.',
        }
    ]


@pytest.mark.parametrize("concurrency,delays", [(2, [3, 3]), ("<% null %>", [3, 3, 3, 3])])
def test_a_with_items_delay_holds_back_the_items_below_the_concurrency(clock, concurrency, delays):
    wf = items_workflow(concurrency, items="<% list(1, 2, 3, 4) %>", extra="\n    delay: 3")
    executor = RecordingExecutor()
    assert run_workflow(wf, {}, executor).status == "succeeded"
    assert len(executor.calls) == 4 and clock.delays == delays


# -- joins and failures ------------------------------------------------------------------------
def test_a_join_count_larger_than_its_inbound_branches_fails_as_unreachable():
    wf = """
version: 1.0
tasks:
  a:
    action: core.noop
    next: [{do: j}]
  b:
    action: core.noop
    next: [{do: j}]
  j:
    join: 3
    action: core.noop
"""
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "failed" and sorted(executor.tasks()) == ["a", "b"]
    assert outcome.errors == [
        {
            "type": "error",
            "task_id": "j",
            "route": 0,
            "message": 'UnreachableJoinError: The join task|route "j|0" is partially satisfied but '
            "unreachable.",
        }
    ]


def test_a_failure_handled_by_an_unreachable_join_lets_the_other_branches_finish():
    # `a` fails into a join that can never be satisfied: orquesta counts the failure as handled,
    # so `c` and then `d` still run before the workflow fails on the join.
    wf = """
version: 1.0
tasks:
  a:
    action: test.broken
    next:
      - when: <% failed() %>
        do: j
  c:
    action: core.noop
    next: [{do: d}]
  d:
    action: core.noop
  j:
    join: 2
    action: core.noop
"""
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "failed"
    assert sorted(executor.tasks()) == ["a", "c", "d"]
    assert [e["message"].split(":")[0] for e in outcome.errors] == [
        "Execution failed. See result for details.",
        "UnreachableJoinError",
    ]


def test_a_timed_out_action_fails_the_workflow_without_an_execution_failed_entry():
    wf = "version: 1.0\ntasks:\n  t:\n    action: test.slow\n"
    executor = RecordingExecutor({"test.slow": lambda parameters: ("timeout", {"error": "late"})})
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "failed" and outcome.errors == []


# -- definitions -------------------------------------------------------------------------------
def test_task_names_in_do_are_separated_by_commas_only():
    wf = """
version: 1.0
tasks:
  a:
    action: core.noop
    next:
      - do: b c
  b:
    action: core.noop
  c:
    action: core.noop
"""
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "failed" and executor.calls == []
    assert 'The task "b c" is not defined' in outcome.errors[0]["message"]
    assert "(separate task names with commas)" in outcome.errors[0]["message"]
