"""What a person sees: the live task tree, `execution get` and `execution tail`."""

import io
import os

from rich.console import Console

from st2lite.cli.live import render_tree
from st2lite.runtime import Runtime

PACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "packs")


def _text(renderable):
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def test_task_tree_shows_each_task_with_status_and_elapsed_time(tmp_path):
    runtime = Runtime([PACKS], str(tmp_path))
    execution = runtime.execute("fx.chain", {"who": "kim"})
    assert execution["status"] == "succeeded"
    lines = _text(render_tree(runtime, execution["id"])).splitlines()
    assert lines[0].startswith("succeeded fx.chain (")
    assert any("succeeded first (fx.greet)" in line for line in lines[1:])
    assert any("succeeded second (core.echo)" in line for line in lines[1:])
    assert all(line.rstrip().endswith("s)") for line in lines)


def test_execution_get_and_tail_show_the_children(cli):
    rc, ex = cli.json("run", "fx.chain")
    shown = cli.run("execution", "get", ex["id"]).stdout
    assert "status: succeeded" in shown and "first" in shown and "core.echo" in shown
    tail = cli.run("execution", "tail", ex["id"])
    assert tail.returncode == 0
    assert [line.split()[1:] for line in tail.stdout.splitlines()[:2]] == [
        ["first", "succeeded"],
        ["second", "succeeded"],
    ]
    assert tail.stdout.splitlines()[-1] == "execution %s succeeded" % ex["id"]


def test_a_workflow_may_call_itself_as_on_stackstorm(tmp_path):
    runtime = Runtime([PACKS], str(tmp_path))
    execution = runtime.execute("fx.countdown", {"n": 3})
    assert execution["status"] == "succeeded", execution["result"]
    assert execution["result"]["output"] == {"reached": 3}


def test_a_recursion_that_never_ends_is_refused_at_the_depth_limit(tmp_path, monkeypatch):
    from st2lite.runners import orquesta_runner

    monkeypatch.setattr(orquesta_runner, "MAX_DEPTH", 6)
    runtime = Runtime([PACKS], str(tmp_path))
    execution = runtime.execute("fx.loop_a", {})
    assert execution["status"] == "failed"
    levels, child = 0, execution
    while child["children"]:
        levels += 1
        child = runtime.executions.get(child["children"][0]["id"])
    assert levels == 6 and child["status"] == "failed"
    assert (
        "sub-workflows nested more than 6 deep (fx.loop_a -> ... -> fx.loop_b calls "
        "fx.loop_a)" in child["result"]["error"]
    )


def test_run_without_a_terminal_prints_plain_task_lines_then_the_result(cli):
    proc = cli.run("run", "fx.chain", "who=lee")
    assert proc.returncode == 0
    task_lines = [line.split()[1:] for line in proc.stdout.split("id: ")[0].splitlines()]
    finished = [words for words in task_lines if words[1] == "succeeded"]
    assert finished == [["first", "succeeded"], ["second", "succeeded"]]
    assert all(words[1] in ("running", "succeeded") for words in task_lines)
    assert "status: succeeded" in proc.stdout and "echoed: hello lee hello lee" in proc.stdout
