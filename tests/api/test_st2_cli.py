"""The real `st2` CLI (st2client 3.9.0) against `st2lite serve`, in both of StackStorm's layouts:
one port per service (9100/9101/9102 style) and one port with /auth/v1, /api/v1, /stream/v1."""

import json
import re

import pytest
from api_testkit import PASSWORD, USER, Http, Lines, St2, logged_in, st2lite, start_server

from tests.testkit_process import process_alive
from tests.testkit_wait import wait_until


@pytest.fixture(scope="module", params=["separate-ports", "single-port"])
def server(request):
    serve = start_server(single_port=request.param == "single-port")
    yield serve
    code, out, err = serve.stop()
    assert code == 0, err
    assert "stopped" in out


@pytest.fixture(scope="module")
def st2(server):
    cli = St2(server.urls)
    code, output = cli("login", USER, "-p", PASSWORD)
    assert code == 0 and "Logged in as %s" % USER in output, output
    return cli


def field(output, name):
    """The value a `st2 ... get`-style listing shows for `name:`."""
    found = re.search(r"^%s: ?(.*)$" % re.escape(name), output, re.M)
    assert found, "no %s in:\n%s" % (name, output)
    return found.group(1).strip()


def test_login_then_whoami_names_the_user(st2):
    code, output = st2("whoami")
    assert code == 0
    assert 'Currently logged in as "%s"' % USER in output
    assert "Authentication method: authentication token" in output


def test_a_wrong_password_is_refused_with_stackstorms_message(server):
    code, output = St2(server.urls)("login", USER, "-p", "not it")
    assert code != 0
    assert "Invalid or missing credentials" in output


def test_run_core_echo_shows_the_result_and_the_user(st2):
    code, output = st2("run", "core.echo", "message=hi")
    assert code == 0, output
    assert field(output, "action.ref") == "core.echo"
    assert field(output, "context.user") == USER
    assert field(output, "status").startswith("succeeded")
    assert field(output, "  stdout") == "hi"


def test_a_failed_action_exits_1(st2):
    code, output = st2("run", "core.local", "cmd=echo oops >&2; exit 3")
    assert code == 1
    assert field(output, "status").startswith("failed")
    assert field(output, "  return_code") == "3"


def test_run_an_orquesta_workflow_lists_its_tasks(st2):
    code, output = st2("run", "apitest.flow", "who=bob")
    assert code == 0, output
    assert field(output, "status").startswith("succeeded")
    assert field(output, "    echoed") == "again hello bob"
    tasks = re.findall(r"^\| \w{24} \| succeeded.*?\| (\w+)\s+\| ([\w.]+)", output, re.M)
    assert tasks == [("greet", "apitest.greet"), ("repeat", "core.echo")], output


def test_run_refuses_bad_parameters_with_the_servers_reason(st2):
    code, output = st2("run", "apitest.greet", "who=x", "colour=red")
    assert code != 0
    assert "apitest.greet has no parameter 'colour'" in output


def test_execution_list_and_get(st2):
    code, output = st2("run", "core.echo", "message=listed", "-a")
    assert code == 0
    execution_id = re.search(r"st2 execution get (\w+)", output).group(1)
    code, output = st2("execution", "get", execution_id)
    assert code == 0
    assert field(output, "id") == execution_id
    code, rows = st2.json("execution", "list", "--action", "core.echo")
    assert code == 0
    assert execution_id in [row["id"] for row in rows]
    assert set(row["action"]["ref"] for row in rows) == {"core.echo"}
    code, output = st2("execution", "list", "-n", "1")
    assert code == 0
    assert "Only one action execution is displayed" in output


def test_execution_re_run_asks_again_for_secrets(st2):
    code, first = st2.json("run", "apitest.greet", "who=ann", "token=abc")
    assert code == 0 and first["parameters"]["token"] == "********"
    code, output = st2("execution", "re-run", first["id"])
    assert code != 0
    assert "secret parameters token" in output
    code, output = st2("execution", "re-run", first["id"], "token=xyz", "times=2")
    assert code == 0, output
    assert "hello ann\n    hello ann" in output


def test_execution_tail_of_a_finished_execution_prints_its_output(st2):
    code, run = st2.json("run", "apitest.greet", "who=tim", "times=2")
    code, output = st2("execution", "tail", run["id"])
    assert code == 0
    assert "hello tim\nhello tim" in output
    assert "has completed (status=succeeded)" in output


def test_execution_tail_prints_lines_of_a_running_execution_before_it_ends(st2, tmp_path):
    """The action prints until it is released; tail shows what is printed once it listens,
    as on StackStorm (the stream does not replay what came before)."""
    release = tmp_path / "release"
    command = "until [ -e %s ]; do echo tick; sleep 0.1; done; echo second" % release
    code, output = st2("run", "core.local", "cmd=%s" % command, "-a")
    execution_id = re.search(r"st2 execution get (\w+)", output).group(1)
    tail = st2.start("execution", "tail", execution_id)
    try:
        lines = Lines(tail.stdout)
        lines.until(lambda line: line == "tick\n")
        code, execution = st2.json("execution", "get", execution_id)
        assert execution["status"] == "running" and tail.poll() is None
        release.touch()
        rest = lines.until(lambda line: "has completed" in line)
        assert "second\n" in rest
        assert rest[-1] == "Execution %s has completed (status=succeeded).\n" % execution_id
        assert tail.wait(30) == 0
    finally:
        release.touch()
        if tail.poll() is None:
            tail.kill()
        tail.communicate()


def test_cancel_of_a_finished_execution_says_it_cannot(st2):
    code, run = st2.json("run", "core.noop")
    code, output = st2("execution", "cancel", run["id"])
    assert "Action cannot be canceled. State = succeeded." in output
    code, output = st2("execution", "pause", run["id"])
    assert code != 0 and "Execution is already in completed state." in output


def _pid_when_written(pid_file):
    return int(wait_until("the command's pid", lambda: pid_file.exists() and pid_file.read_text()))


def _wait_status(st2, execution_id, status):
    """What `st2 execution get` shows once the execution is in STATUS."""

    def shown():
        code, output = st2("execution", "get", execution_id)
        return code == 0 and field(output, "status").split(" ")[0] == status and output

    return wait_until("%s to be %s" % (execution_id, status), shown)


def test_cancel_a_running_shell_command(st2, tmp_path):
    pid_file = tmp_path / "pid"
    code, output = st2("run", "core.local", "cmd=echo $$ > %s; exec sleep 60" % pid_file, "-a")
    execution_id = re.search(r"st2 execution get (\w+)", output).group(1)
    pid = _pid_when_written(pid_file)

    code, output = st2("execution", "cancel", execution_id)

    assert code == 0
    assert "execution with id %s canceled." % execution_id in output
    shown = _wait_status(st2, execution_id, "canceled")
    assert field(shown, "  message") == "Action canceled by user."
    assert not process_alive(pid)


def test_cancel_a_running_orquesta_workflow(st2, tmp_path):
    pid_file, gate = tmp_path / "pid", tmp_path / "gate"
    cmd = "echo $$ > %s; while [ ! -e %s ]; do sleep 0.05; done" % (pid_file, gate)
    code, output = st2("run", "apitest.naps", "cmd=%s" % cmd, "-a")
    execution_id = re.search(r"st2 execution get (\w+)", output).group(1)
    pid = _pid_when_written(pid_file)

    code, output = st2("execution", "cancel", execution_id)

    assert code == 0 and "execution with id %s canceled." % execution_id in output
    # as on StackStorm: canceling while its running task goes on to its end
    _wait_status(st2, execution_id, "canceling")
    assert process_alive(pid)
    gate.touch()
    output = _wait_status(st2, execution_id, "canceled")
    tasks = re.findall(r"^\| \w{24} \| (\w+).*?\| (\w+)\s+\| ([\w.]+)", output, re.M)
    assert tasks == [("succeeded", "nap", "core.local")], output  # "after" never started


def test_pause_then_resume_a_workflow(st2, tmp_path):
    pid_file, gate = tmp_path / "pid", tmp_path / "gate"
    cmd = "echo $$ > %s; while [ ! -e %s ]; do sleep 0.05; done" % (pid_file, gate)
    code, output = st2("run", "apitest.naps", "cmd=%s" % cmd, "-a")
    execution_id = re.search(r"st2 execution get (\w+)", output).group(1)
    _pid_when_written(pid_file)  # the nap task runs, and goes on until the gate opens

    code, output = st2("execution", "pause", execution_id)

    assert code == 0, output
    assert field(output, "status") == "pausing"
    gate.touch()
    _wait_status(st2, execution_id, "paused")

    code, output = st2("execution", "resume", execution_id)

    assert code == 0, output
    assert field(output, "status") == "resuming"
    done = _wait_status(st2, execution_id, "succeeded")
    assert field(done, "    said") == "after the nap"


def test_keys_set_get_list_delete_with_encryption(st2):
    assert st2("key", "set", "plain", "v1")[0] == 0
    assert st2("key", "set", "secret", "s3cret", "--encrypt")[0] == 0
    code, shown = st2.json("key", "get", "secret")
    assert shown["secret"] is True and shown["encrypted"] is True
    assert shown["value"] != "s3cret"
    code, shown = st2.json("key", "get", "secret", "-d")
    assert shown["value"] == "s3cret"
    code, keys = st2.json("key", "list")
    assert dict((k["name"], k["scope"]) for k in keys) == {
        "plain": "st2kv.system",
        "secret": "st2kv.system",
    }
    code, output = st2("key", "delete", "plain")
    assert code == 0 and 'Resource with id "plain" has been successfully deleted.' in output
    code, output = st2("key", "get", "plain")
    assert code != 0 and 'Key Value Pair "plain" is not found.' in output


def test_user_scoped_keys(st2):
    assert st2("key", "set", "mine", "v", "--scope", "user")[0] == 0
    code, keys = st2.json("key", "list", "--scope", "user")
    assert [(k["name"], k["scope"], k["user"]) for k in keys] == [("mine", "st2kv.user", USER)]


def test_action_alias_list_match_and_execute(st2, server):
    code, output = st2("action-alias", "list")
    assert code == 0 and "apitest.greet" in output
    code, output = st2("action-alias", "match", "greet zed")
    assert code == 0 and "greet" in output and "Greet someone." in output
    code, output = st2("action-alias", "match", "fly away")
    assert code != 0 and "No action alias matches" in output
    code, output = st2("action-alias", "execute", "greet zed")
    assert code == 0, output
    assert "Matching Action-alias: 'apitest.greet'" in output
    execution_id = re.search(r"st2 execution get (\w+)", output).group(1)
    status, _, execution = logged_in(server.urls).api("GET", "/executions/" + execution_id)
    assert execution["context"]["user"] == USER
    assert execution["context"]["source_channel"] == "cli"
    assert execution["parameters"] == {"who": "zed"}


def test_rule_list_and_trigger_instances(st2, server):
    code, output = st2("rule", "list")
    assert code == 0 and "apitest.greet_on_event" in output
    fired = st2lite(
        server.state,
        "trigger",
        "fire",
        "apitest.event",
        "--payload",
        '{"kind": "hello", "name": "eve"}',
        "--json",
    )
    assert fired.returncode == 0, fired.stderr
    code, instances = st2.json("trigger-instance", "list")
    assert code == 0
    # other tests' alias executions fire core.st2.generic.notifytrigger (a null route) meanwhile
    fired_here = [i["status"] for i in instances if i["trigger"] == "apitest.event"]
    assert fired_here[:1] == ["processed"], instances


def test_an_api_key_works_without_login(server):
    created = st2lite(
        server.state,
        "apikey",
        "create",
        "--json",
        env={"ST2LITE_USER": "bot", "PATH": "/usr/bin:/bin"},
    )
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)["key"]
    cli = St2(server.urls, {"ST2_API_KEY": key})
    code, run = cli.json("run", "core.echo", "message=by key")
    assert code == 0
    assert run["context"]["user"] == "bot"
    assert Http(server.urls, api_key="wrong").api("GET", "/actions")[0] == 401
