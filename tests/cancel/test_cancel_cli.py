"""`st2lite execution cancel|pause|resume` against executions run by another st2lite process
(`st2lite run` in another terminal)."""

import json

from tests.testkit_process import process_alive
from tests.testkit_wait import wait_until


def sleeper(tmp_path, name="pid"):
    """A shell command that records its pid, then sleeps for a minute as that process."""
    pid_file = tmp_path / name
    return pid_file, "echo $$ > %s; exec sleep 60" % pid_file


def read_pid(cli, pid_file):
    return wait_until("the pid file", lambda: pid_file.exists() and pid_file.read_text())


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


def gated(tmp_path):
    """(pid file, gate file, command): the command records its pid, then runs until the gate
    file exists, so a test decides when it ends."""
    pid_file, gate = tmp_path / "pid", tmp_path / "gate"
    cmd = "echo $$ >> %s; while [ ! -e %s ]; do sleep 0.05; done; echo through" % (pid_file, gate)
    return pid_file, gate, cmd


def tasks_of(cli, execution_id):
    return [(c["task"], c["status"]) for c in cli.get(execution_id)["children"]]


def test_cancel_a_workflow_lets_its_running_task_end_and_starts_no_other(cli, tmp_path):
    pid_file, gate, cmd = gated(tmp_path)
    run = cli.start("run", "cx.sleepy", "cmd=%s" % cmd)
    workflow = cli.wait_running("cx.sleepy", task="nap")
    pid = int(read_pid(cli, pid_file))

    assert cli.run("execution", "cancel", workflow["id"]).returncode == 0

    # as on StackStorm: canceling until its running task ends, which goes on meanwhile
    cli.wait_status(workflow["id"], "canceling")
    assert tasks_of(cli, workflow["id"]) == [("nap", "running")]
    assert process_alive(pid)
    gate.touch()
    out, _ = run.communicate(timeout=30)
    ended = json.loads(out)
    assert ended["status"] == "canceled"
    assert ended["result"]["message"] == "Action canceled by user."
    assert [(c["task"], c["status"]) for c in ended["children"]] == [("nap", "succeeded")]
    assert cli.get(ended["children"][0]["id"])["result"]["stdout"] == "through"


def test_cancel_a_nested_workflow_cancels_the_whole_tree(cli, tmp_path):
    pid_file, gate, cmd = gated(tmp_path)
    run = cli.start("run", "cx.nested", "cmd=%s" % cmd)
    outer = cli.wait_running("cx.nested")
    read_pid(cli, pid_file)
    inner = cli.get(outer["id"])["children"][0]

    # canceling the sub-workflow cancels its root too, as on StackStorm
    assert cli.run("execution", "cancel", inner["id"]).returncode == 0

    cli.wait_status(outer["id"], "canceling")
    assert cli.get(inner["id"])["status"] == "canceling"
    assert tasks_of(cli, inner["id"]) == [("nap", "running")]
    gate.touch()
    out, _ = run.communicate(timeout=30)
    assert json.loads(out)["status"] == "canceled"
    assert cli.get(inner["id"])["status"] == "canceled"
    assert tasks_of(cli, inner["id"]) == [("nap", "succeeded")]
    assert [c["task"] for c in cli.get(outer["id"])["children"]] == ["inner"]


def test_cancel_a_with_items_workflow_runs_no_further_item(cli, tmp_path):
    pid_file, gate, cmd = gated(tmp_path)
    run = cli.start("run", "cx.items", "cmd=%s" % cmd)
    workflow = cli.wait_running("cx.items")
    wait_until(
        "two items to start",
        lambda: pid_file.exists() and len(pid_file.read_text().split()) == 2,
    )

    assert cli.run("execution", "cancel", workflow["id"]).returncode == 0

    cli.wait_status(workflow["id"], "canceling")
    gate.touch()
    out, _ = run.communicate(timeout=30)
    ended = json.loads(out)
    assert ended["status"] == "canceled"
    # items 0 and 1 ran to their end; items 2 and 3 never started
    assert sorted((c["item"], c["status"]) for c in ended["children"]) == [
        (0, "succeeded"),
        (1, "succeeded"),
    ]
    assert len(pid_file.read_text().split()) == 2


def test_cancel_a_workflow_whose_task_is_delayed_ends_the_delay(cli):
    run = cli.start("run", "cx.delayed")
    workflow = cli.wait_running("cx.delayed")
    wait_until(
        "the first task to end", lambda: tasks_of(cli, workflow["id"]) == [("first", "succeeded")]
    )

    assert cli.run("execution", "cancel", workflow["id"]).returncode == 0

    out, _ = run.communicate(timeout=30)  # its 600 s delay did not hold it
    ended = json.loads(out)
    assert ended["status"] == "canceled"
    assert [c["task"] for c in ended["children"]] == ["first"]  # "later" never started


def test_cancel_a_workflow_cancels_a_task_waiting_to_be_retried(cli):
    run = cli.start("run", "cx.retrying")
    workflow = cli.wait_running("cx.retrying")
    retry = wait_until(
        "the retry to wait",
        lambda: [c for c in cli.get(workflow["id"])["children"] if c["status"] == "delayed"],
    )[0]
    assert retry["context"]["policies"]["retry"]["retry_count"] == 1

    assert cli.run("execution", "cancel", workflow["id"]).returncode == 0

    out, _ = run.communicate(timeout=30)  # its 600 s retry delay did not hold it
    ended = json.loads(out)
    assert ended["status"] == "canceled"
    assert [(c["task"], c["status"]) for c in ended["children"]] == [
        ("flake", "failed"),
        ("flake", "canceled"),
    ]


def test_cancel_a_retry_that_waits_for_its_delay(cli):
    run = cli.start("run", "cx.flaky")
    retry = wait_until(
        "the retry to wait",
        lambda: (lambda e: e if e and e["status"] == "delayed" else None)(cli.newest()),
    )

    assert cli.run("execution", "cancel", retry["id"]).returncode == 0

    run.communicate(timeout=30)  # the run waits for its retries; the delay no longer holds it
    assert cli.get(retry["id"])["status"] == "canceled"


def test_cancel_a_workflow_paused_on_an_inquiry(cli):
    proc = cli.run("run", "cx.asking", "--json")
    workflow = json.loads(proc.stdout)
    assert workflow["status"] == "paused"

    assert cli.run("execution", "cancel", workflow["id"]).returncode == 0

    ended = cli.get(workflow["id"])
    assert ended["status"] == "canceled"
    assert [(c["task"], c["status"]) for c in ended["children"]] == [("ask", "canceled")]
    assert cli.run("inquiry", "list", "--json").stdout.strip() == "[]"


def test_pause_then_resume_a_workflow(cli, tmp_path):
    pid_file, gate = tmp_path / "pid", tmp_path / "gate"
    run = cli.start(
        "run",
        "cx.steps",
        "first=echo $$ > %s; until [ -e %s ]; do sleep 0.05; done" % (pid_file, gate),
    )
    read_pid(cli, pid_file)  # task one runs, and goes on until the gate opens
    workflow = cli.wait_running("cx.steps", task="one")

    paused = cli.run("execution", "pause", workflow["id"])

    assert paused.stdout == "execution with id %s pausing.\n" % workflow["id"]
    gate.touch()
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
