"""A task whose action cannot be requested fails the whole workflow, as StackStorm's workflow
service does (request_task_execution, fail_workflow_execution): an action named in the definition
that is not registered, or input it refuses, fails the workflow before its first task; an action
expression naming no action (null or empty included), or input that cannot be cast or validated,
fails it when the task starts. Either way the task's own `next` handlers never run and no child
execution is recorded for it. Each test runs a workflow of a small pack through the runtime."""

import textwrap

import pytest
from engine_helpers import RecordingExecutor

from st2lite.orquesta import run_workflow
from st2lite.runtime import Runtime

ACTION_SCHEMA_PATH = "properties.tasks.patternProperties.^\\w+$.properties.action"
INPUT_SCHEMA_PATH = "properties.tasks.patternProperties.^\\w+$.properties.input"

COUNT_ACTION = """
name: count
runner_type: local-shell-cmd
parameters:
  count: {type: integer, required: true}
  cmd: {default: "echo {{ count }}", immutable: true}
"""


@pytest.fixture
def run(tmp_path):
    """run(workflow YAML, **inputs) -> the workflow's execution, its children included."""
    pack = tmp_path / "packs" / "tst"
    (pack / "actions" / "workflows").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "ref: tst\nname: tst\nversion: 0.1.0\nauthor: qaeci\n"
        "email: qaeci@example.invalid\ndescription: request failures\n"
    )
    (pack / "actions" / "count.yaml").write_text(COUNT_ACTION)
    (pack / "actions" / "idle.yaml").write_text(
        COUNT_ACTION.replace("name: count", "name: idle\nenabled: false")
    )
    (pack / "actions" / "wf.yaml").write_text(
        "name: wf\nrunner_type: orquesta\nentry_point: workflows/wf.yaml\n"
        "parameters:\n  which: {}\n  n: {}\n"
    )  # untyped: any value, uncast
    runtime = Runtime([str(tmp_path / "packs")], str(tmp_path / "state"))

    def run_workflow_yaml(definition, **inputs):
        (pack / "actions" / "workflows" / "wf.yaml").write_text(textwrap.dedent(definition))
        return runtime.execute("tst.wf", inputs)

    return run_workflow_yaml


def ran(execution):
    return sorted((c["task"], c["status"]) for c in execution["children"])


# -- before the workflow starts: actions named in the definition -------------------------------
@pytest.mark.parametrize(
    "ref, message",
    [
        ("tst.missing", 'The action "tst.missing" is not registered in the database.'),
        ("missing", 'The action reference "missing" is not formatted correctly.'),
    ],
)
def test_a_task_naming_an_unregistered_action_fails_the_workflow_before_any_task(run, ref, message):
    execution = run(
        """
        version: 1.0
        tasks:
          first:
            action: core.noop
          broken:
            action: %s
            next:
              - when: <%% failed() %%>
                do: cleanup
          cleanup:
            action: core.noop
        """
        % ref
    )
    assert execution["status"] == "failed"
    assert execution["result"] == {
        "output": None,
        "errors": [
            {
                "type": "content",
                "message": message,
                "spec_path": "tasks.broken.action",
                "schema_path": ACTION_SCHEMA_PATH,
            }
        ],
    }
    assert execution["children"] == []


def test_input_missing_a_required_parameter_or_naming_an_unknown_one_fails_before_any_task(run):
    execution = run("""
        version: 1.0
        tasks:
          first:
            action: core.noop
          counting:
            action: tst.count
            input:
              bogus: 1
        """)
    assert execution["status"] == "failed"
    assert execution["result"]["errors"] == [
        {
            "type": "content",
            "message": 'Action "tst.count" is missing required input "count".',
            "spec_path": "tasks.counting.input",
            "schema_path": INPUT_SCHEMA_PATH,
        },
        {
            "type": "content",
            "message": 'Action "tst.count" has unexpected input "bogus".',
            "spec_path": "tasks.counting.input.bogus",
            "schema_path": INPUT_SCHEMA_PATH + ".patternProperties.^\\w+$",
        },
    ]
    assert execution["children"] == []


# -- when the task starts: actions and input known only then -----------------------------------
HANDLED_TASK = """
    version: 1.0
    input:
      - which
      - n: 3
    tasks:
      first:
        action: core.noop
        next:
          - do: pick
      pick:
        action: <% ctx().which %>
        input:
          count: <% ctx().n %>
        next:
          - when: <% failed() %>
            do: cleanup
          - when: <% succeeded() %>
            do: after
      cleanup:
        action: core.noop
      after:
        action: core.noop
    """


def test_an_action_expression_naming_no_registered_action_fails_the_workflow(run):
    execution = run(HANDLED_TASK, which="tst.missing")
    assert execution["status"] == "failed"
    assert execution["result"]["errors"] == [
        {
            "type": "error",
            "task_id": "pick",
            "route": 0,
            "message": 'InvalidActionReferencedException: Unable to find action "tst.missing".',
        }
    ]
    assert ran(execution) == [("first", "succeeded")]  # neither cleanup nor after ran


@pytest.mark.parametrize("which, shown", [(None, "None"), ("", "")])
def test_an_action_expression_rendering_to_nothing_fails_the_workflow(run, which, shown):
    execution = run(HANDLED_TASK, which=which)
    assert execution["status"] == "failed"
    assert execution["result"]["errors"] == [
        {
            "type": "error",
            "task_id": "pick",
            "route": 0,
            "message": 'InvalidActionReferencedException: Unable to find action "%s".' % shown,
        }
    ]
    assert ran(execution) == [("first", "succeeded")]


@pytest.mark.parametrize(
    "which, n, message",
    [
        ("tst.count", "many", "ValueError: parameter 'count': 'many' is not a valid integer"),
        ("core.noop", 3, "ValidationError: core.noop has no parameter 'count'; it takes: none"),
        ("tst.idle", 3, 'ValueError: Unable to execute. Action "tst.idle" is disabled.'),
    ],
)
def test_an_action_refused_when_the_task_starts_fails_the_workflow(run, which, n, message):
    execution = run(HANDLED_TASK, which=which, n=n)
    assert execution["status"] == "failed"
    assert execution["result"]["errors"] == [
        {"type": "error", "task_id": "pick", "route": 0, "message": message}
    ]
    assert ran(execution) == [("first", "succeeded")]


def test_the_same_workflow_runs_its_handlers_when_the_action_can_start(run):
    execution = run(HANDLED_TASK, which="tst.count", n=3)
    assert execution["status"] == "succeeded"
    assert ran(execution) == [("after", "succeeded"), ("first", "succeeded"), ("pick", "succeeded")]


@pytest.mark.parametrize(
    "bad, good, good_ran",
    [
        ("a_bad", "b_good", False),  # requested in name order: b_good is never requested
        ("z_bad", "a_good", True),
    ],
)  # a_good was requested first and runs to its end
def test_tasks_started_together_after_the_refused_one_never_start(run, bad, good, good_ran):
    execution = run(
        """
        version: 1.0
        vars:
          - nothing: null
        tasks:
          %s:
            action: <%% ctx().nothing %%>
          %s:
            action: core.noop
        """
        % (bad, good)
    )
    assert execution["status"] == "failed"
    assert [e["task_id"] for e in execution["result"]["errors"]] == [bad]
    assert ran(execution) == ([(good, "succeeded")] if good_ran else [])


def test_the_engine_alone_fails_an_action_expression_that_renders_to_null():
    executor = RecordingExecutor()
    outcome = run_workflow(
        """
version: 1.0
tasks:
  pick:
    action: <% null %>
    next:
      - do: after
  after:
    action: core.noop
""",
        {},
        executor,
    )
    assert outcome.status == "failed" and executor.calls == []
    assert outcome.errors == [
        {
            "type": "error",
            "task_id": "pick",
            "route": 0,
            "message": 'InvalidActionReferencedException: Unable to find action "None".',
        }
    ]
