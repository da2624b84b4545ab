"""Ack and result messages, and the help listing."""

from alias_helpers import make_alias

from st2lite.aliases import list_commands, match_command, render_ack, render_result

EXECUTION = {
    "id": "5f1e",
    "action": "demo.echo",
    "status": "succeeded",
    "parameters": {"value": "qa1"},
    "result": {"result": "qa1 is healthy", "stdout": "", "stderr": "", "exit_code": 0},
    "context": {"user": "alice"},
    "start_timestamp": "2026-01-01T10:00:00+00:00",
    "end_timestamp": "2026-01-01T10:01:05+00:00",
}


def matched(alias, command):
    return match_command([alias], command)


def test_ack_format_sees_execution_and_alias():
    alias = make_alias(
        "status",
        ["status {{ value }}"],
        ack={"format": "checking {{ execution.parameters.value }} with {{ actionalias.ref }}"},
    )
    message = render_ack(alias, matched(alias, "status qa1"), EXECUTION, "alice")
    assert message == "checking qa1 with demo.status"


def test_default_ack_names_the_execution_and_appends_the_history_link():
    alias = make_alias("status", ["status {{ value }}"])
    message = render_ack(
        alias,
        matched(alias, "status qa1"),
        EXECUTION,
        "alice",
        history_url="http://127.0.0.1:9101/history/5f1e",
    )
    assert message == (
        "I'll take it from here! Your execution ID for reference is 5f1e"
        " (details available at http://127.0.0.1:9101/history/5f1e)"
    )


def test_append_url_false_drops_the_history_link():
    alias = make_alias(
        "status", ["status {{ value }}"], ack={"format": "on it", "append_url": False}
    )
    assert (
        render_ack(
            alias,
            matched(alias, "status qa1"),
            EXECUTION,
            "alice",
            history_url="http://127.0.0.1/h",
        )
        == "on it"
    )


def test_disabled_ack_gives_no_message():
    alias = make_alias("status", ["status {{ value }}"], ack={"enabled": False})
    assert render_ack(alias, matched(alias, "status qa1"), EXECUTION, "alice") is None


def test_ack_with_undefined_name_reports_it_as_stackstorm_does():
    alias = make_alias("status", ["status {{ value }}"], ack={"format": "{{ nothing.here }}"})
    message = render_ack(alias, matched(alias, "status qa1"), EXECUTION, "alice")
    assert message.startswith('Cannot render "format" in field "ack" for alias.')
    assert "nothing" in message


def test_result_format_is_addressed_to_the_user():
    alias = make_alias(
        "status", ["status {{ value }}"], result={"format": "status: {{ execution.result.result }}"}
    )
    message = render_result(alias, matched(alias, "status qa1"), EXECUTION, "alice")
    assert message == "alice: status: qa1 is healthy"


def test_result_format_sees_stackstorm_shaped_execution():
    alias = make_alias(
        "status",
        ["status {{ value }}"],
        result={
            "format": "{{ execution.action.ref }} {{ execution.runner.name }} "
            "{{ execution.elapsed_seconds | to_human_time_from_seconds }} {{ alias.name }}"
        },
    )
    message = render_result(alias, matched(alias, "status qa1"), EXECUTION, None)
    assert message == "demo.echo python-script 1m5s status"


def test_result_undefined_names_render_empty():
    alias = make_alias(
        "status", ["status {{ value }}"], result={"format": "[{{ execution.result.missing }}]"}
    )
    assert render_result(alias, matched(alias, "status qa1"), EXECUTION, "bob") == "bob: []"


def test_disabled_result_gives_no_message():
    alias = make_alias("status", ["status {{ value }}"], result={"enabled": False})
    assert render_result(alias, matched(alias, "status qa1"), EXECUTION, "alice") is None


def test_default_result_summarises_a_python_action():
    alias = make_alias("status", ["status {{ value }}"])
    message = render_result(alias, matched(alias, "status qa1"), EXECUTION, "alice")
    assert message.split("\n") == [
        "alice: Action demo.echo completed.",
        "status : succeeded",
        "execution: 5f1e",
        "Took 1m5s to complete.",
        "result :",
        "--------",
        "result : qa1 is healthy",
    ]


def test_default_result_of_a_shell_action_shows_output_lines():
    alias = make_alias("run", ["run {{ cmd }}"])
    execution = dict(
        EXECUTION,
        action="core.local",
        status="failed",
        result={
            "stdout": "line 1\nline 2\n",
            "stderr": "boom",
            "return_code": 2,
            "succeeded": False,
            "failed": True,
        },
    )
    execution.pop("end_timestamp")
    message = render_result(alias, matched(alias, "run ls"), execution, None)
    assert message.split("\n") == [
        "Action core.local completed.",
        "status : failed",
        "execution: 5f1e",
        "result :",
        "--------",
        "stdout : ",
        "  line 1",
        "  line 2",
        "stderr : boom",
        "return_code : 2",
    ]


def test_default_result_of_a_workflow_shows_nested_output():
    alias = make_alias("up", ["up {{ env }}"])
    execution = dict(
        EXECUTION, action="demo.up", result={"output": {"env": "qa1", "apps": {"web": "healthy"}}}
    )
    message = render_result(alias, matched(alias, "up qa1"), execution, None)
    assert message.split("\n")[-5:] == [
        "--------",
        "output : ",
        "  env : qa1",
        "  apps : ",
        "    web : healthy",
    ]


def test_help_lists_each_format_display_with_the_description():
    status = make_alias(
        "status",
        [
            "status {{ env }}",
            {"display": "status of <env>", "representation": ["status of {{ env }}"]},
            {"representation": ["hidden {{ env }}"]},
        ],
        description="Show status.",
    )
    off = make_alias("off", ["off {{ x }}"], enabled=False)
    assert list_commands([status, off]) == [
        {"ref": "demo.status", "display": "status {{ env }}", "description": "Show status."},
        {"ref": "demo.status", "display": "status of <env>", "description": "Show status."},
    ]
