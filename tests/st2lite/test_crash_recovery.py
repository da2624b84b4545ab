"""An st2lite process killed at the wrong moment, then st2lite used again on the same state
directory: what it was running is settled, never waited on, and what it left is cleaned up."""

import glob
import json
import os
import signal
import sqlite3
import subprocess

import pytest
from st2lite_cli import PACKS

from tests.testkit_wait import wait_until

WAIT_SECONDS = 60  # bound on each wait below: an event, or the test fails


def _rows(cli):
    """{id: (status, pid)} of every fx.hold execution, read straight from the database."""
    with sqlite3.connect(os.path.join(cli.state, "st2lite.sqlite")) as db:
        return dict(
            (row[0], (row[1], row[2]))
            for row in db.execute("SELECT id, status, pid FROM executions WHERE action = 'fx.hold'")
        )


def _hold(cli, tmp_path, name, release=True, env=None):
    """`st2lite run fx.hold` on environment a, started in the background: (process, the
    file the action creates once it runs, the file that releases it)."""
    started, released = tmp_path / (name + ".started"), tmp_path / (name + ".release")
    args = ["run", "fx.hold", "env_name=a", "started=%s" % started]
    if release:
        args.append("release=%s" % released)
    args.append("--json")
    proc = subprocess.Popen(
        cli.argv(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, ST2LITE_USER="tester", **(env or {})),
    )
    return proc, started, released


def _kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=WAIT_SECONDS)


def _finish(proc):
    try:
        out, err = proc.communicate(timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired as error:
        _kill(proc)
        raise AssertionError("st2lite run is still waiting after %d s" % WAIT_SECONDS) from error
    return json.loads(out) if proc.returncode in (0, 1) else err


def _killed_while_running(cli, tmp_path):
    """The id of an fx.hold execution whose st2lite process was killed while it ran, and whose
    recorded pid is now that of a live process (this test's), as after a reboot."""
    proc, started, _released = _hold(cli, tmp_path, "killed")
    wait_until("the action to start", started.exists, WAIT_SECONDS)
    _kill(proc)
    ((execution_id, (status, pid)),) = _rows(cli).items()
    assert status == "running" and pid == proc.pid
    with sqlite3.connect(os.path.join(cli.state, "st2lite.sqlite")) as db:
        db.execute("UPDATE executions SET pid = ? WHERE id = ?", (os.getpid(), execution_id))
    return execution_id


def test_a_dead_runs_pid_taken_by_another_process_neither_blocks_nor_stays_running(cli, tmp_path):
    dead = _killed_while_running(cli, tmp_path)
    proc, _started, _released = _hold(cli, tmp_path, "next", release=False)
    execution = _finish(proc)
    assert execution["status"] == "succeeded", execution
    rc, old = cli.json("execution", "get", dead)
    assert old["status"] == "abandoned"
    assert old["result"]["error"] == "the st2lite process running it died"


def test_a_dead_runs_pid_taken_by_the_runtime_itself_does_not_make_it_wait_on_itself(
    cli, tmp_path, monkeypatch
):
    import st2lite.runtime

    dead = _killed_while_running(cli, tmp_path)  # now recorded with this process's pid
    monkeypatch.setattr(st2lite.runtime, "MAX_POLICY_WAIT", 10)  # canceled, should it wait
    runtime = st2lite.runtime.Runtime([PACKS], cli.state)
    runtime.reap_abandoned()
    execution = runtime.execute(
        "fx.hold", {"env_name": "a", "started": str(tmp_path / "next.started")}
    )
    assert execution["status"] == "succeeded", execution["result"]
    assert runtime.executions.get(dead)["status"] == "abandoned"


def test_a_run_killed_while_delayed_is_canceled_and_blocks_nothing(cli, tmp_path):
    first, first_started, first_release = _hold(cli, tmp_path, "first")
    wait_until("the first run to start", first_started.exists, WAIT_SECONDS)
    second, second_started, _ = _hold(cli, tmp_path, "second")
    wait_until(
        "the second run to be delayed behind the first",
        lambda: "delayed" in [status for status, _pid in _rows(cli).values()],
        WAIT_SECONDS,
    )
    _kill(second)
    first_release.touch()
    assert _finish(first)["status"] == "succeeded"
    third, _started, _released = _hold(cli, tmp_path, "third", release=False)
    assert _finish(third)["status"] == "succeeded"
    assert not second_started.exists()
    rc, rows = cli.json("execution", "list", "--action", "fx.hold")
    assert sorted(row["status"] for row in rows) == ["canceled", "succeeded", "succeeded"]
    canceled = [row for row in rows if row["status"] == "canceled"][0]
    assert "ended before it started" in canceled["result"]["error"]


@pytest.mark.parametrize("ending", ["succeeded", "failed", "timeout", "st2lite killed"])
def test_no_action_result_file_is_left_behind(cli, tmp_path, ending):
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"TMPDIR": str(temp)}
    if ending == "st2lite killed":
        proc, started, _released = _hold(cli, tmp_path, "killed", env=env)
        wait_until("the action to start", started.exists, WAIT_SECONDS)
        _kill(proc)
        cli.run("execution", "list", env=env)  # a later st2lite on the same state directory
    elif ending == "succeeded":
        proc, _started, _released = _hold(cli, tmp_path, "done", release=False, env=env)
        assert _finish(proc)["status"] == "succeeded"
    else:  # failed: the action raises; timeout: st2lite kills the action's process
        mode = {"failed": "raise", "timeout": "sleep"}[ending]
        rc, execution = cli.json("run", "fx.crash", "mode=%s" % mode, "timeout=1", env=env)
        assert execution["status"] == ending
    left = [
        path
        for root in (str(temp), cli.state)
        for path in glob.glob(os.path.join(root, "**", "*result*"), recursive=True)
    ]
    assert left == []
