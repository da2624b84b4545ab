"""The engine as a user of `run_workflow` sees it: data flow, with-items, retries, delays,
engine commands, failure handling, concurrency and the datastore."""

import threading
import time

from engine_helpers import RecordingExecutor

from st2lite.orquesta import run_workflow


def test_publish_entries_see_earlier_ones_and_inputs_take_defaults():
    wf = """
version: 1.0
input:
  - who
  - greeting: hello
tasks:
  t1:
    action: core.echo message="<% ctx().greeting %> <% ctx().who %>"
    next:
      - publish:
          - said: <% result().stdout %>
          - loud: <% ctx().said.toUpper() %>
output:
  - loud: <% ctx().loud %>
  - user: <% ctx().st2.user %>
"""
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {"who": "bo", "ignored": 1}, executor, st2_context={"user": "ann"})
    assert outcome.status == "succeeded" and outcome.errors == []
    assert outcome.output == {"loud": "HELLO BO", "user": "ann"}
    assert executor.calls == [("t1", None, "core.echo", {"message": "hello bo"})]


def test_zipped_items_and_concurrency_expression_are_respected():
    wf = """
version: 1.0
vars:
  - limit: 2
tasks:
  each:
    with:
      items: host, port in <% zip(list(a, b, c, d), list(1, 2, 3, 4)) %>
      concurrency: <% ctx().limit %>
    action: core.echo message="<% item(host) %>:<% item(port) %>"
    next:
      - publish: out=<% result().select($.stdout) %>
output:
  - out: <% ctx().out %>
"""
    executor = RecordingExecutor(pause=0.05)
    outcome = run_workflow(wf, {}, executor)
    assert outcome.output == {"out": ["a:1", "b:2", "c:3", "d:4"]}
    assert sorted(c[1] for c in executor.calls) == [0, 1, 2, 3]
    assert executor.peak == 2


def test_parallel_branches_run_at_the_same_time():
    # Each branch waits (bounded) until all three are running: only branches run at the same
    # time get past the barrier.
    all_running = threading.Barrier(3, timeout=10)

    def meet(parameters):
        try:
            all_running.wait()
        except threading.BrokenBarrierError:
            return "failed", {"result": "the other branches were not running"}
        return "succeeded", {"result": None}

    wf = """
version: 1.0
tasks:
  a:
    action: test.meet
  b:
    action: test.meet
  c:
    action: test.meet
"""
    executor = RecordingExecutor({"test.meet": meet})
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "succeeded"
    assert executor.peak == 3


def test_a_branch_does_not_wait_for_a_slow_sibling():
    # `waiter` blocks until `second` (after `first` in the other branch) has run: the engine must
    # start `second` as soon as `first` ends, not when the whole batch has ended.
    second_ran = threading.Event()

    def wait(parameters):
        return ("succeeded" if second_ran.wait(5) else "failed"), {"result": None}

    def mark(parameters):
        second_ran.set()
        return "succeeded", {"result": None}

    wf = """
version: 1.0
tasks:
  waiter:
    action: test.wait
  first:
    action: core.noop
    next:
      - do: second
  second:
    action: test.mark
"""
    executor = RecordingExecutor({"test.wait": wait, "test.mark": mark})
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "succeeded"


def test_retry_with_delay_calls_the_action_again_and_waits():
    attempts = []

    def flaky(parameters):
        attempts.append(time.monotonic())
        return ("failed" if len(attempts) < 3 else "succeeded"), {"result": len(attempts)}

    wf = """
version: 1.0
tasks:
  shaky:
    action: test.flaky
    retry:
      when: <% failed() %>
      count: 5
      delay: 1
    next:
      - when: <% succeeded() %>
        publish: n=<% result().result %>
output:
  - n: <% ctx().n %>
"""
    outcome = run_workflow(wf, {}, RecordingExecutor({"test.flaky": flaky}))
    assert outcome.output == {"n": 3} and outcome.status == "succeeded"
    assert attempts == sorted(attempts)
    assert attempts[1] - attempts[0] >= 1 and attempts[2] - attempts[1] >= 1  # the retry delay


def test_task_delay_postpones_the_action():
    called = []

    def note(parameters):
        called.append(time.monotonic())
        return "succeeded", {"result": None}

    wf = "version: 1.0\ntasks:\n  later:\n    delay: 1\n    action: test.note\n"
    executor = RecordingExecutor({"test.note": note})
    started = time.monotonic()
    assert run_workflow(wf, {}, executor).status == "succeeded"
    assert len(called) == 1 and called[0] - started >= 1  # the task's delay


def test_unhandled_failure_fails_the_workflow_and_renders_what_it_can():
    wf = """
version: 1.0
tasks:
  good:
    action: core.echo message="kept"
    next:
      - publish: kept=<% result().stdout %>
        do: bad
  bad:
    action: test.broken
output:
  - kept: <% ctx().kept %>
"""
    outcome = run_workflow(wf, {}, RecordingExecutor())
    assert outcome.status == "failed"
    assert outcome.output == {"kept": "kept"}
    assert outcome.errors == [
        {
            "type": "error",
            "message": "Execution failed. See result for details.",
            "task_id": "bad",
            "result": {"error": 'Action "test.broken" is not found.'},
        }
    ]


def test_fail_command_still_runs_the_cleanup_task_of_the_same_transition():
    wf = """
version: 1.0
tasks:
  check:
    action: test.broken
    next:
      - when: <% failed() %>
        do: cleanup, fail
  cleanup:
    action: core.noop
"""
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "failed"
    assert executor.tasks() == ["check", "cleanup"]


def test_a_failure_handled_only_by_continue_still_fails_the_workflow():
    wf = """
version: 1.0
tasks:
  risky:
    action: test.broken
    next:
      - when: <% failed() %>
        publish: noted=true
  after:
    action: core.noop
output:
  - noted: <% ctx().noted %>
"""
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "failed" and outcome.output == {"noted": True}
    assert sorted(executor.tasks()) == ["after", "risky"]


def test_an_executor_that_raises_fails_only_its_task():
    def explode(parameters):
        raise RuntimeError("boom")

    wf = """
version: 1.0
tasks:
  risky:
    action: test.explode
    next:
      - when: <% failed() %>
        publish: why=<% result().error %>
        do: noop
output:
  - why: <% ctx().why %>
"""
    outcome = run_workflow(wf, {}, RecordingExecutor({"test.explode": explode}))
    assert outcome.status == "succeeded" and outcome.output == {"why": "RuntimeError: boom"}


def test_st2kv_reads_the_datastore_in_yaql_and_jinja_with_defaults():
    store = {"system.url": "http://x", "token": "s3"}

    def kv_get(key, decrypt):
        if key == "token" and not decrypt:
            return "encrypted"
        return store[key]

    wf = """
version: 1.0
tasks:
  t:
    action: core.noop
output:
  - url: <% st2kv('system.url') %>
  - token: '{{ st2kv("token", decrypt=true) }}'
  - missing: <% st2kv('nope', default => 'dflt') %>
"""
    outcome = run_workflow(wf, {}, RecordingExecutor(), kv_get=kv_get)
    assert outcome.output == {"url": "http://x", "token": "s3", "missing": "dflt"}


def test_missing_datastore_key_fails_with_a_clear_error():
    wf = "version: 1.0\ntasks:\n  t:\n    action: core.echo message=<% st2kv('system.gone') %>\n"
    outcome = run_workflow(wf, {}, RecordingExecutor(), kv_get=lambda k, d: {}[k])
    assert outcome.status == "failed"
    assert "system.gone" in outcome.errors[0]["message"]
    assert outcome.errors[0]["task_id"] == "t"


def test_expression_errors_name_the_expression():
    wf = """
version: 1.0
tasks:
  t:
    action: core.noop
    next:
      - publish: x=<% result().nothing_here %>
"""
    outcome = run_workflow(wf, {}, RecordingExecutor())
    assert outcome.status == "failed"
    assert outcome.errors[0]["message"] == (
        "YaqlEvaluationException: Unable to resolve key 'nothing_here' in expression "
        "'<% result().nothing_here %>' from context."
    )
    assert outcome.errors[0]["task_transition_id"] == "continue__t0"


def test_invalid_definition_gives_a_failed_outcome_naming_the_problem():
    wf = "version: 1.0\ntasks:\n  a:\n    action: core.noop\n    next:\n      - do: nowhere\n"
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "failed" and executor.calls == []
    assert outcome.errors == [
        {
            "type": "error",
            "message": 'The task "nowhere" is not defined; define it under '
            "`tasks` or correct the name in `do`.",
            "spec_path": "tasks.a.next[0].do",
        }
    ]


def test_join_merges_published_dicts_deeply():
    wf = """
version: 1.0
vars:
  - info: {base: 1}
tasks:
  fork:
    action: core.noop
    next:
      - do: left, right
  left:
    action: core.noop
    next:
      - publish:
          - info: {left: 2}
        do: merge
  right:
    action: core.noop
    next:
      - publish:
          - info: {right: 3}
        do: merge
  merge:
    join: all
    action: core.noop
    next:
      - publish: final=<% ctx().info %>
output:
  - final: <% ctx().final %>
"""
    outcome = run_workflow(wf, {}, RecordingExecutor())
    assert outcome.output == {"final": {"base": 1, "left": 2, "right": 3}}


def test_a_canceled_action_cancels_the_workflow_after_running_siblings_end():
    wf = """
version: 1.0
tasks:
  stopped:
    action: test.cancel
    next:
      - when: <% completed() %>
        do: after
  slow:
    action: core.noop
    next:
      - do: never
  after:
    action: core.noop
  never:
    action: core.noop
"""
    executor = RecordingExecutor({"test.cancel": lambda p: ("canceled", {})})
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "canceled"
    assert sorted(executor.tasks()) == ["slow", "stopped"]


def test_a_transition_loop_without_end_is_stopped(monkeypatch):
    from st2lite.orquesta import runner

    monkeypatch.setattr(runner, "MAX_ACTIONS", 50)
    wf = (
        "version: 1.0\ntasks:\n  init:\n    action: core.noop\n    next:\n      - do: spin\n"
        "  spin:\n    action: core.noop\n    next:\n      - do: spin\n"
    )
    outcome = run_workflow(wf, {}, RecordingExecutor())
    assert outcome.status == "failed"
    assert "more than 50 actions" in outcome.errors[-1]["message"]


def test_a_task_without_action_only_transitions():
    wf = """
version: 1.0
tasks:
  decide:
    next:
      - publish: xyz=123
        do: use
  use:
    action: core.echo message=<% ctx().xyz %>
"""
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "succeeded"
    assert executor.calls == [("use", None, "core.echo", {"message": 123})]


def test_a_retry_count_that_is_not_a_number_fails_the_workflow_with_that_error():
    wf = """
version: 1.0
tasks:
  t:
    action: test.broken
    retry:
      count: <% ctx().st2.user %>
"""
    outcome = run_workflow(wf, {}, RecordingExecutor(), st2_context={"user": "ann"})
    assert outcome.status == "failed"
    assert 'The retry count for task "t" is not an integer.' in outcome.errors[-1]["message"]


def test_items_of_one_task_can_wait_for_items_of_a_sibling_task():
    # Builds run two at a time; every deploy item starts at once and waits for its own build.
    built = {name: threading.Event() for name in "abcde"}

    def build(parameters):
        time.sleep(0.05)
        built[parameters["app"]].set()
        return "succeeded", {"result": parameters["app"]}

    def deploy(parameters):
        ok = built[parameters["app"]].wait(5)
        return ("succeeded" if ok else "failed"), {"result": parameters["app"]}

    wf = """
version: 1.0
vars:
  - apps: [a, b, c, d, e]
tasks:
  start:
    action: core.noop
    next:
      - do: build, deploy
  build:
    with:
      items: app in <% ctx().apps %>
      concurrency: 2
    action: test.build app=<% item(app) %>
    next:
      - when: <% completed() %>
        do: report
  deploy:
    with:
      items: app in <% ctx().apps %>
    action: test.deploy app=<% item(app) %>
    next:
      - when: <% completed() %>
        publish: deployed=<% result().select($.result) %>
        do: report
  report:
    join: all
    action: core.noop
output:
  - deployed: <% ctx().deployed %>
"""
    executor = RecordingExecutor({"test.build": build, "test.deploy": deploy})
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "succeeded"  # no deploy gave up waiting for its build
    assert outcome.output == {"deployed": ["a", "b", "c", "d", "e"]}


def test_max_workers_bounds_the_actions_running_at_once():
    wf = """
version: 1.0
tasks:
  each:
    with: x in <% list(1, 2, 3, 4, 5, 6) %>
    action: core.echo message=<% item(x) %>
"""
    executor = RecordingExecutor(pause=0.05)
    outcome = run_workflow(wf, {}, executor, max_workers=2)
    assert outcome.status == "succeeded" and len(executor.calls) == 6
    assert executor.peak == 2


def test_task_function_gives_an_earlier_task_result_and_status():
    wf = """
version: 1.0
tasks:
  first:
    action: core.echo message="one"
    next:
      - do: second
  second:
    action: core.echo message="<% task(first).result.stdout %>-<% task(first).status %>"
    next:
      - publish: got=<% result().stdout %>
output:
  - got: <% ctx().got %>
"""
    outcome = run_workflow(wf, {}, RecordingExecutor())
    assert outcome.output == {"got": "one-succeeded"}
