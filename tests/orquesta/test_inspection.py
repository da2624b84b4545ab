"""inspect_workflow finds what orquesta's inspection finds, with messages that say where and why."""

from st2lite.orquesta import inspect_workflow


def _messages(definition):
    return [(e["type"], e["message"]) for e in inspect_workflow(definition)]


def test_valid_workflow_has_no_errors():
    assert inspect_workflow({"version": 1.0, "tasks": {"a": {"action": "core.noop"}}}) == []


def test_missing_version_and_unknown_keys_are_syntax_errors():
    errors = inspect_workflow("tasks:\n  a:\n    actoin: core.noop\n")
    assert [e["spec_path"] for e in errors] == [".", "tasks.a"]
    assert errors[0]["message"].startswith("'version' is a required property; add `version: 1.0`")
    assert "'actoin' was unexpected" in errors[1]["message"] and "action" in errors[1]["message"]


def test_unparsable_yaml_names_the_line():
    errors = inspect_workflow("version: 1.0\ntasks: [\n")
    assert errors[0]["type"] == "syntax" and "line" in errors[0]["message"]


def test_unknown_task_in_do_and_reserved_names():
    wf = "version: 1.0\ntasks:\n  noop:\n    action: core.noop\n    next:\n      - do: b, c\n  b:\n    action: core.noop\n"
    assert _messages(wf) == [
        ("semantics", 'The task name "noop" is reserved with special function; rename the task.'),
        (
            "semantics",
            'The task "c" is not defined; define it under `tasks` or correct the name in `do`.',
        ),
    ]


def test_a_workflow_where_every_task_has_an_inbound_transition_has_no_start_task():
    wf = (
        "version: 1.0\ntasks:\n  a:\n    action: core.noop\n    next:\n      - do: b\n"
        "  b:\n    action: core.noop\n    next:\n      - do: a\n"
    )
    assert [m for c, m in _messages(wf) if c == "semantics"][0].startswith(
        "The workflow has no start task"
    )


def test_bad_expressions_are_reported_with_the_expression():
    wf = "version: 1.0\ntasks:\n  a:\n    action: core.echo message=<% ctx(.x %>\n"
    [error] = inspect_workflow(wf)
    assert error["type"] == "expression" and error["expression"] == "<% ctx(.x %>"
    assert error["spec_path"] == "tasks.a"
    wf = 'version: 1.0\ntasks:\n  a:\n    action: core.echo message="{{ x | }}"\n'
    assert inspect_workflow(wf)[0]["type"] == "expression"


def test_variables_read_before_assignment():
    wf = """
version: 1.0
input:
  - a
tasks:
  t1:
    action: core.echo message=<% ctx().a %>
    next:
      - publish: b=<% result() %>
        do: t2
  t2:
    action: core.echo message="<% ctx().b %> <% ctx(c) %>"
output:
  - b: <% ctx().b %>
"""
    assert _messages(wf) == [("context", 'The variable "c" is referenced before assigned.')]


def test_join_task_fed_by_nested_splits_is_unreachable():
    wf = """
version: 1.0
tasks:
  t1:
    action: core.noop
    next:
      - do: t2, t3
  t2:
    action: core.noop
    next:
      - do: t4
  t3:
    action: core.noop
    next:
      - do: t4
  t4:
    action: core.noop
    next:
      - do: t5
  t5:
    join: all
    action: core.noop
  t0:
    action: core.noop
    next:
      - do: t5
"""
    assert any("is unreachable" in m for _, m in _messages(wf))


def test_with_items_task_needs_an_action():
    wf = "version: 1.0\ntasks:\n  a:\n    with: <% list(1) %>\n"
    assert _messages(wf) == [
        (
            "semantics",
            "The action property is required for with items task; add the `action` each item runs.",
        )
    ]


def test_with_items_must_be_an_expression():
    wf = "version: 1.0\ntasks:\n  a:\n    with: x in [1, 2]\n    action: core.noop\n"
    [(category, message)] = _messages(wf)
    assert category == "semantics" and "must be an expression" in message
