"""Rules, trigger instances, enforcements, policies and aliases through the command line."""

import json
import time

from tests.testkit_wait import wait_until


def test_trigger_fire_runs_matching_rule_with_rendered_parameters(cli):
    rc, fired = cli.json(
        "trigger", "fire", "fx.event", "--payload", '{"kind": "hello", "name": "eve", "times": "2"}'
    )
    assert rc == 0
    assert [(e["rule"], e["status"]) for e in fired["enforcements"]] == [
        ("fx.greet_on_event", "succeeded")
    ]
    rc, ex = cli.json("execution", "get", fired["enforcements"][0]["execution"])
    assert ex["status"] == "succeeded" and ex["result"]["result"]["text"] == "hello eve hello eve"
    assert ex["parameters"] == {"who": "eve", "times": 2}
    assert ex["context"]["rule"]["ref"] == "fx.greet_on_event"
    assert ex["context"]["trigger_instance"]["id"] == fired["trigger_instance"]
    rc, instances = cli.json("trigger-instance", "list", "--trigger", "fx.event")
    assert instances[0]["id"] == fired["trigger_instance"]
    assert instances[0]["payload"]["name"] == "eve"


def test_rule_that_cannot_be_applied_is_a_failed_enforcement(cli):
    rc, fired = cli.json("trigger", "fire", "fx.event", "--payload", '{"kind": "broken"}')
    assert [(e["rule"], e["status"], e["execution"]) for e in fired["enforcements"]] == [
        ("fx.bad_params", "failed", None)
    ]
    assert "times" in fired["enforcements"][0]["failure_reason"]
    rc, rows = cli.json("rule-enforcement", "list", "--rule", "fx.bad_params")
    assert rows[0]["status"] == "failed"


def test_no_rule_matches_and_unknown_trigger(cli):
    rc, fired = cli.json("trigger", "fire", "fx.event", "--payload", '{"kind": "other"}')
    assert rc == 0 and fired["enforcements"] == []
    proc = cli.run("trigger", "fire", "fx.nope", "--payload", "{}")
    assert proc.returncode == 2 and "unknown trigger type" in proc.stderr
    proc = cli.run("trigger", "fire", "fx.event", "--payload", "{oops")
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr


def test_concurrency_attr_policy_delays_same_env_only(cli):
    procs = [
        cli.start("run", "fx.slow", "env_name=a", "--json"),
        cli.start("run", "fx.slow", "env_name=a", "--json"),
        cli.start("run", "fx.slow", "env_name=b", "--json"),
    ]
    for p in procs:
        p.communicate(timeout=60)
    rc, rows = cli.json("execution", "list", "--action", "fx.slow")
    assert sorted(r["status"] for r in rows) == ["succeeded"] * 3
    same_env = sorted(_command_span(r) for r in rows if r["parameters"]["env_name"] == "a")
    assert same_env[0][1] <= same_env[1][0]  # the second run on env a began after the first ended


def _command_span(execution):
    """(started, ended): the times fx.slow's command printed when it began and when it ended."""
    times = dict(line.split() for line in execution["result"]["stdout"].splitlines()[:2])
    return float(times["started"]), float(times["ended"])


def test_concurrency_cancel_policy(cli, tmp_path):
    started, release = tmp_path / "first.started", tmp_path / "first.release"
    first = cli.start(*_only_one(started, "--json", release=release))
    try:
        wait_until("fx.only_one to start", lambda: started.exists() or first.poll() is not None)
        assert first.poll() is None, first.communicate()
        second_started = tmp_path / "second.started"
        rc, second = cli.json(*_only_one(second_started))
        assert second["status"] == "canceled", second
        assert not second_started.exists()
    finally:
        release.touch()
    out, err = first.communicate(timeout=60)
    assert json.loads(out)["status"] == "succeeded", err


def _only_one(started, *options, release=None):
    """`st2lite run fx.only_one` arguments: the action creates STARTED, then holds until
    RELEASE exists."""
    args = ["run", "fx.only_one", "env_name=a", "started=%s" % started]
    if release is not None:
        args.append("release=%s" % release)
    return args + list(options)


def test_alias_execute_acks_runs_and_reports(cli):
    rc, out = cli.json("action-alias", "execute", "greet joe", "--user", "jane", "--channel", "#qa")
    assert rc == 0
    assert out["ack"] == "greeting fx.greet for joe"
    assert out["result"] == "jane: said: hello joe"  # prefixed as the chat bot posts it
    context = out["execution"]["context"]
    assert context["user"] == "jane" and context["source_channel"] == "#qa"
    assert context["action_alias_ref"] == "fx.greet"
    rc, out = cli.json("action-alias", "execute", "grete joe")
    assert rc == 2 and out["error"] == "no match"


def test_pack_validate_reports_every_bad_file(cli, tmp_path):
    pack = tmp_path / "bad"
    (pack / "actions").mkdir(parents=True)
    (pack / "pack.yaml").write_text("ref: bad\nname: bad\nversion: 0.1.0\n")
    (pack / "actions" / "multi.yaml").write_text(
        "name: multi\nrunner_type: python-script\nentry_point: multi.py\n"
        "parameters:\n  x: {type: [string, integer]}\n"
    )
    (pack / "actions" / "broken.yaml").write_text("name: [unclosed\n")
    (pack / "actions" / "escape.yaml").write_text(
        "name: escape\nrunner_type: python-script\nentry_point: ../../etc/passwd\n"
    )
    (pack / "actions" / "ok.yaml").write_text("name: ok\nrunner_type: noop\n")
    rc, report = cli.json("pack", "validate", str(pack))
    assert rc == 2
    reasons = dict((p["file"].rsplit("/", 1)[-1], p) for p in report["problems"])
    assert reasons["multi.yaml"]["field"] == "parameters.x.type"
    assert "not valid YAML" in reasons["broken.yaml"]["reason"]
    assert "inside the pack" in reasons["escape.yaml"]["reason"]
    assert "ok.yaml" not in reasons


def test_datastore_scopes_ttl_and_encryption(cli):
    assert cli.run("key", "set", "db_password", "hunter2", "--encrypt").returncode == 0
    rc, pair = cli.json("key", "get", "db_password")
    assert pair["secret"] is True and pair["value"] != "hunter2"
    rc, pair = cli.json("key", "get", "db_password", "--decrypt")
    assert pair["value"] == "hunter2"
    cli.run("key", "set", "mine", "1", "--scope", "user")
    rc, rows = cli.json("key", "list")
    assert [r["name"] for r in rows] == ["db_password"]
    cli.run("key", "set", "short", "x", "--ttl", "1")
    time.sleep(1.2)
    assert cli.run("key", "get", "short").returncode == 2
    assert cli.run("key", "delete", "db_password").returncode == 0
    proc = cli.run("key", "set", "x", "y", "--scope", "galaxy")
    assert proc.returncode == 2 and "unknown datastore scope" in proc.stderr


def test_retry_policy_reruns_a_failed_execution(cli):
    rc, first = cli.json("run", "fx.flaky")
    assert rc == 1 and first["status"] == "failed"  # the original, as `st2 run` shows it
    rc, rows = cli.json("execution", "list", "--action", "fx.flaky")
    attempts = list(reversed(rows))
    assert [a["status"] for a in attempts] == ["failed", "failed", "succeeded"]
    assert [a["result"]["result"]["calls"] for a in attempts] == [1, 2, 3]
    retry = attempts[2]["context"]["policies"]["retry"]
    assert retry == {
        "applied_policy": "fx.flaky_retry",
        "retry_count": 2,
        "retried_liveaction_id": attempts[1]["id"],
    }


def test_retry_policy_gives_up_after_max_retry_count(cli):
    rc, first = cli.json("run", "fx.flaky", "succeed_on=9")
    rc, rows = cli.json("execution", "list", "--action", "fx.flaky")
    assert [r["status"] for r in rows] == ["failed"] * 3


def test_workflows_read_the_datastore_by_scope(cli):
    cli.run("key", "set", "color", "red")
    cli.run("key", "set", "color", "blue", "--scope", "user")
    rc, ex = cli.json("run", "fx.kv")
    assert ex["result"]["output"] == {"sys": "red", "usr": "blue"}
