"""Who renders an execution's parameters, through the command line: `st2lite run` renders the
values given once; a rule's values were rendered by the rules engine and chat text never is."""


def test_run_renders_given_values_once_and_a_cycle_fails_the_recorded_execution(cli):
    cli.run("key", "set", "motd", "{{ nosuch }}")
    rc, ex = cli.json("run", "core.local", "cmd=echo '{{ st2kv.system.motd }}'")
    assert rc == 0 and ex["result"]["stdout"] == "{{ nosuch }}"
    rc, ex = cli.json("run", "core.local", "cmd={{ cmd }}")
    assert rc == 1 and ex["status"] == "failed"
    assert ex["result"]["error"] == (
        "Cyclic dependency found in the following variables: cmd. "
        "Likely the variable is referencing itself"
    )
    rc, rows = cli.json("execution", "list")
    assert [r["status"] for r in rows] == ["failed", "succeeded"]


def test_rule_and_alias_values_are_not_rendered_again(cli):
    cli.run("key", "set", "secret", "s3cret")
    rc, fired = cli.json(
        "trigger",
        "fire",
        "fx.event",
        "--payload",
        '{"kind": "hello", "name": "{{ st2kv.system.secret }}", "times": 1}',
    )
    rc, ex = cli.json("execution", "get", fired["enforcements"][0]["execution"])
    assert ex["result"]["result"]["text"] == "hello {{ st2kv.system.secret }}"
    rc, out = cli.json("action-alias", "execute", "greet {{ st2kv.system.secret }}")
    assert rc == 0 and out["result"].endswith("said: hello {{ st2kv.system.secret }}")
