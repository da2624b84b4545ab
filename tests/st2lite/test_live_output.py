"""An action's output is recorded line by line while it runs (StackStorm's stream_output), and
`st2lite execution tail` prints it as it comes."""

import json
import os
import queue
import threading

import pytest

from st2lite.runners import live_output
from st2lite.runners.base import run_process
from st2lite.runtime import Runtime
from tests.testkit_wait import wait_until

PACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "packs")
WAIT_SECONDS = 30


def held_until(path):
    return "while [ ! -e %s ]; do sleep 0.05; done" % path


def in_background(target):
    holder = {}
    worker = threading.Thread(target=lambda: holder.update(value=target()), daemon=True)
    worker.start()
    return worker, holder


def by_type(chunks):
    found = {}
    for chunk in chunks:
        found.setdefault(chunk["output_type"], []).append(chunk["data"])
    return found


def test_run_process_hands_on_each_line_while_the_process_runs(tmp_path):
    lines = queue.Queue()
    release = tmp_path / "release"
    command = "echo one; echo oops >&2; %s; printf 'no newline'" % held_until(release)
    worker, done = in_background(
        lambda: run_process(
            ["bash", "-c", command], timeout=60, on_output=lambda *line: lines.put(line)
        )
    )
    first = {lines.get(timeout=WAIT_SECONDS), lines.get(timeout=WAIT_SECONDS)}
    assert first == {("stdout", "one\n"), ("stderr", "oops\n")}
    assert worker.is_alive()
    release.touch()
    worker.join(WAIT_SECONDS)
    assert lines.get(timeout=WAIT_SECONDS) == ("stdout", "no newline")
    assert done["value"] == (0, "one\nno newline", "oops\n", False)


def test_a_timed_out_process_keeps_the_lines_it_printed():
    seen = []
    code, out, _err, timed_out = run_process(
        ["bash", "-c", "echo before; sleep 60"],
        timeout=1,
        on_output=lambda *line: seen.append(line),
    )
    assert (code, out, timed_out) == (-9, "before\n", True)
    assert seen == [("stdout", "before\n")]


def test_run_process_feeds_a_large_stdin_while_reading_as_large_an_output():
    data = ("x" * 99 + "\n") * 20000  # 2 MB: far more than a pipe holds either way
    code, out, err, timed_out = run_process(["cat"], timeout=60, stdin_text=data)
    assert (code, out == data, err, timed_out) == (0, True, "", False)


def test_a_shell_actions_lines_are_stored_before_it_ends(tmp_path):
    runtime = Runtime([PACKS], str(tmp_path / "state"))
    release = tmp_path / "release"
    command = "echo a; echo warn >&2; %s; echo b" % held_until(release)
    worker, done = in_background(lambda: runtime.execute("core.local", {"cmd": command}))
    running = wait_until("the execution to start", lambda: runtime.executions.running())[0]
    wait_until("its first lines", lambda: len(runtime.output.for_execution(running["id"])) == 2)
    assert runtime.executions.get(running["id"])["status"] == "running"
    assert by_type(runtime.output.for_execution(running["id"])) == {
        "stdout": ["a\n"],
        "stderr": ["warn\n"],
    }
    release.touch()
    worker.join(WAIT_SECONDS)
    execution = done["value"]
    assert execution["status"] == "succeeded"
    chunks = runtime.output.for_execution(execution["id"])
    assert by_type(chunks) == {"stdout": ["a\n", "b\n"], "stderr": ["warn\n"]}
    assert {(c["action_ref"], c["runner_ref"]) for c in chunks} == {
        ("core.local", "local-shell-cmd")
    }
    assert execution["result"]["stdout"] == "a\nb"  # the result keeps its shape


@pytest.mark.parametrize("fork", ["1", "0"], ids=["fork-server", "fresh-process"])
def test_a_python_actions_prints_and_log_lines_are_stored_as_they_come(tmp_path, monkeypatch, fork):
    monkeypatch.setenv("ST2LITE_PYTHON_FORK", fork)
    runtime = Runtime([PACKS], str(tmp_path / "state"))
    release = tmp_path / "release"
    parameters = {"release": str(release), "token": "s3cr3t-value"}
    worker, done = in_background(lambda: runtime.execute("fx.chatty", parameters))
    running = wait_until("the execution to start", lambda: runtime.executions.running())[0]

    def first_lines():
        seen = by_type(runtime.output.for_execution(running["id"]))
        return len(seen.get("stdout", [])) == 1 and len(seen.get("stderr", [])) == 2 and seen

    seen = wait_until("its first lines", first_lines)
    assert runtime.executions.get(running["id"])["status"] == "running"
    assert seen["stdout"] == ["first line\n"]
    logged, written = seen["stderr"]
    assert "logged with ********" in logged and "INFO" in logged
    assert written == "to stderr\n"
    release.touch()
    worker.join(WAIT_SECONDS)
    assert done["value"]["status"] == "succeeded"
    seen = by_type(runtime.output.for_execution(running["id"]))
    assert seen["stdout"] == ["first line\n", "second line\n"]
    assert not any("s3cr3t-value" in data for data in seen["stdout"] + seen["stderr"])


def test_output_beyond_the_cap_ends_in_one_truncation_line(tmp_path, monkeypatch):
    monkeypatch.setattr(live_output, "MAX_CHARS_PER_EXECUTION", 100)
    runtime = Runtime([PACKS], str(tmp_path / "state"))
    command = "for i in $(seq 1 50); do echo line $i; done"
    execution = runtime.execute("core.local", {"cmd": command})
    data = [chunk["data"] for chunk in runtime.output.for_execution(execution["id"])]
    assert data[0] == "line 1\n"
    assert data[-1].startswith("[st2lite: output truncated after 100 characters")
    assert sum(len(line) for line in data[:-1]) <= 100
    assert execution["result"]["stdout"].splitlines()[-1] == "line 50"


def _reader(stream):
    lines = queue.Queue()

    def read():
        for line in iter(stream.readline, ""):
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def _lines_until(lines, wanted):
    seen = []
    while True:
        line = lines.get(timeout=WAIT_SECONDS)
        assert line is not None, "tail ended after %r" % seen
        seen.append(line)
        if line == wanted:
            return seen


def test_execution_tail_prints_lines_as_another_process_runs_the_action(cli, tmp_path):
    release = tmp_path / "release"
    started = cli.run("run", "fx.chatty", "release=%s" % release, "--async", "--json")
    execution_id = json.loads(started.stdout)["id"]
    tail = cli.start("execution", "tail", execution_id)
    try:
        lines = _reader(tail.stdout)
        _lines_until(lines, "first line\n")
        _rc, execution = cli.json("execution", "get", execution_id)
        assert execution["status"] == "running" and tail.poll() is None
        release.touch()
        rest = _lines_until(lines, "execution %s succeeded\n" % execution_id)
        assert "second line\n" in rest and "to stderr\n" in rest
        assert tail.wait(WAIT_SECONDS) == 0
    finally:
        release.touch()
        if tail.poll() is None:
            tail.kill()
        tail.communicate()
