"""`st2lite execution cancel|pause|resume` against executions run by another st2lite process
(`st2lite run` in another terminal)."""

import json

from cancel_cli import process_alive


def sleeper(tmp_path, name="pid"):
    """A shell command that records its pid, then sleeps for a minute as that process."""
    pid_file = tmp_path / name
    return pid_file, "echo $$ > %s; exec sleep 60" % pid_file


def read_pid(cli, pid_file):
    return cli.wait_for("the pid file", lambda: pid_file.exists() and pid_file.read_text())


def test_cancel_a_running_shell_command_kills_it(cli, tmp_path):
    pid_file, cmd = sleeper(tmp_path)
    run = cli.start("run", "core.local", "cmd=%s" % cmd)
    execution = cli.wait_running("core.local")
    pid = int(read_pid(cli, pid_file))

    proc = cli.run("execution", "cancel", execution["id"])

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "execution with id %s canceled.\n" % execution["id"]
    out, _ = run.communicate(timeout=30)
    assert run.returncode == 1  # the run that was canceled did not succeed
    ended = json.loads(out)
    assert ended["status"] == "canceled"
    assert ended["result"]["message"] == "Action canceled by user."
    assert ended["result"]["user"] == "tester"
    assert ended["context"]["cancelled_by"] == "tester"
    assert not process_alive(pid)


def test_cancel_a_python_action_kills_its_process(cli, tmp_path):
    pid_file = tmp_path / "pid"
    run = cli.start("run", "cx.snooze", "pid_file=%s" % pid_file)
    execution = cli.wait_running("cx.snooze")
    pid = int(read_pid(cli, pid_file))

    assert cli.run("execution", "cancel", execution["id"]).returncode == 0

    out, _ = run.communicate(timeout=30)
    assert json.loads(out)["status"] == "canceled"
    assert not process_alive(pid)


def test_a_finished_execution_cannot_be_canceled(cli):
    assert cli.run("run", "core.noop").returncode == 0
    execution = cli.newest()

    proc = cli.run("execution", "cancel", execution["id"])

    assert proc.returncode == 2
    assert "Action cannot be canceled. State = succeeded." in proc.stderr
    assert cli.get(execution["id"])["status"] == "succeeded"


def test_cancel_a_workflow_cancels_its_running_task_and_starts_no_other(cli, tmp_path):
    pid_file, cmd = sleeper(tmp_path)
    run = cli.start("run", "cx.sleepy", "cmd=%s" % cmd)
    workflow = cli.wait_running("cx.sleepy", task="nap")
    pid = int(read_pid(cli, pid_file))

    assert cli.run("execution", "cancel", workflow["id"]).returncode == 0

    out, _ = run.communicate(timeout=30)
    ended = json.loads(out)
    assert ended["status"] == "canceled"
    assert [(c["task"], c["status"]) for c in ended["children"]] == [("nap", "canceled")]
    assert not process_alive(pid)


def test_cancel_a_nested_workflow_cancels_the_whole_tree(cli, tmp_path):
    pid_file, cmd = sleeper(tmp_path)
    run = cli.start("run", "cx.nested", "cmd=%s" % cmd)
    outer = cli.wait_running("cx.nested")
    pid = int(read_pid(cli, pid_file))
    inner = cli.get(outer["id"])["children"][0]

    # canceling the sub-workflow cancels its root too, as on StackStorm
    assert cli.run("execution", "cancel", inner["id"]).returncode == 0

    out, _ = run.communicate(timeout=30)
    assert json.loads(out)["status"] == "canceled"
    inner = cli.get(inner["id"])
    assert inner["status"] == "canceled"
    assert [(c["task"], c["status"]) for c in inner["children"]] == [("nap", "canceled")]
    assert [c["task"] for c in cli.get(outer["id"])["children"]] == ["inner"]
    assert not process_alive(pid)


def test_cancel_a_with_items_workflow_runs_no_further_item(cli, tmp_path):
    pid_file = tmp_path / "pids"
    run = cli.start("run", "cx.items", "pid_file=%s" % pid_file)
    workflow = cli.wait_running("cx.items")
    pids = cli.wait_for(
        "two items to start",
        lambda: pid_file.exists() and len(pid_file.read_text().split()) == 2 and pid_file,
    )

    assert cli.run("execution", "cancel", workflow["id"]).returncode == 0

    out, _ = run.communicate(timeout=30)
    ended = json.loads(out)
    assert ended["status"] == "canceled"
    assert sorted(c["item"] for c in ended["children"]) == [0, 1]  # items 2 and 3 never ran
    assert all(c["status"] == "canceled" for c in ended["children"])
    assert not any(process_alive(int(p)) for p in pids.read_text().split())


def test_cancel_a_workflow_paused_on_an_inquiry(cli):
    proc = cli.run("run", "cx.asking", "--json")
    workflow = json.loads(proc.stdout)
    assert workflow["status"] == "paused"

    assert cli.run("execution", "cancel", workflow["id"]).returncode == 0

    ended = cli.get(workflow["id"])
    assert ended["status"] == "canceled"
    assert [(c["task"], c["status"]) for c in ended["children"]] == [("ask", "canceled")]
    assert cli.run("inquiry", "list", "--json").stdout.strip() == "[]"


def test_pause_then_resume_a_workflow(cli):
    run = cli.start("run", "cx.steps", "first=sleep 2")
    workflow = cli.wait_running("cx.steps", task="one")

    paused = cli.run("execution", "pause", workflow["id"])

    assert paused.stdout == "execution with id %s pausing.\n" % workflow["id"]
    out, _ = run.communicate(timeout=30)
    assert run.returncode == 0  # as `st2 run` ends on a paused workflow
    ended = json.loads(out)
    assert ended["status"] == "paused"
    assert [c["task"] for c in ended["children"]] == ["one"]  # "two" did not start

    resumed = cli.run("execution", "resume", workflow["id"])

    assert resumed.returncode == 0, resumed.stderr
    done = cli.wait_status(workflow["id"], "succeeded")
    assert [c["task"] for c in done["children"]] == ["one", "two", "three"]
    assert done["result"]["output"] == {"said": "three"}


def test_pause_is_refused_for_an_action_that_is_not_a_workflow(cli, tmp_path):
    pid_file, cmd = sleeper(tmp_path)
    run = cli.start("run", "core.local", "cmd=%s" % cmd)
    execution = cli.wait_running("core.local")

    proc = cli.run("execution", "pause", execution["id"])

    assert proc.returncode == 2
    assert (
        'Unable to pause liveaction "%s" because it is not supported by the '
        '"local-shell-cmd" runner.' % execution["id"]
    ) in proc.stderr
    assert cli.get(execution["id"])["status"] == "running"
    cli.run("execution", "cancel", execution["id"])
    run.communicate(timeout=30)


def test_an_unknown_id_is_bad_input(cli):
    proc = cli.run("execution", "cancel", "0123456789abcdef01234567")
    assert proc.returncode == 2
    assert "no execution with id" in proc.stderr
