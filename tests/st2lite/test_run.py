"""`st2lite run`: runners, result shapes, casting, secrets and exit codes, as a user sees them."""


def test_python_action_result_shape_config_and_datastore(cli):
    rc, ex = cli.json("run", "fx.greet", "who=bob", "times=2", "loud=true", "tags=a,b")
    assert rc == 0 and ex["status"] == "succeeded"
    assert set(ex["result"]) == {"result", "stdout", "stderr", "exit_code"}
    assert ex["result"]["result"] == {"text": "HELLO BOB HELLO BOB", "count": 1, "tags": ["a", "b"]}
    assert ex["parameters"] == {"who": "bob", "times": 2, "loud": True, "tags": ["a", "b"]}
    assert ex["context"]["user"] == "tester"
    rc, again = cli.json("run", "fx.greet", "who=bob")
    assert again["result"]["result"]["count"] == 2  # the action's datastore key persisted
    rc, keys = cli.json("key", "list")
    assert [k["name"] for k in keys] == ["fx.Greet:count"]


def test_pack_config_from_state_dir(cli, tmp_path):
    with open(cli.state + "/configs/fx.yaml", "w") as f:
        f.write("greeting: howdy\n")
    rc, ex = cli.json("run", "fx.greet", "who=al")
    assert ex["result"]["result"]["text"] == "howdy al"


def test_secret_parameters_are_masked_everywhere(cli):
    rc, ex = cli.json("run", "fx.greet", "who=x", "token=s3cr3t")
    assert ex["parameters"]["token"] == "********"
    assert "s3cr3t" not in ex["result"]["stdout"]
    rc, listed = cli.json("execution", "get", ex["id"])
    assert "s3cr3t" not in str(listed)


def test_action_failures(cli):
    rc, ex = cli.json("run", "fx.crash")
    assert rc == 1 and ex["status"] == "failed"
    assert "ValueError: boom from the action" in ex["result"]["stderr"]
    assert "Traceback" in ex["result"]["stderr"]
    rc, ex = cli.json("run", "fx.crash", "mode=tuple")
    assert rc == 1 and ex["status"] == "failed" and ex["result"]["result"] == {"why": "refused"}
    rc, ex = cli.json("run", "fx.crash", "mode=sleep")
    assert rc == 1 and ex["status"] == "timeout"


def test_shell_runners(cli):
    rc, ex = cli.json("run", "core.local", "cmd=echo out; echo err >&2; exit 3")
    assert rc == 1 and ex["result"] == {
        "stdout": "out",
        "stderr": "err",
        "return_code": 3,
        "succeeded": False,
        "failed": True,
    }
    rc, ex = cli.json("run", "fx.args", "first=one", "second=2", "flag=x")
    assert ex["result"]["stdout"] == "args:one 2 --flag=x"
    rc, ex = cli.json("run", "core.echo", "message=hi there")
    assert rc == 0 and ex["result"]["stdout"] == "hi there"


def test_bad_input_is_one_line_exit_2_and_records_nothing(cli):
    for args, needle in [
        (("run", "fx.nope"), "unknown action 'fx.nope'"),
        (("run", "fx.greet"), "needs 'who'"),
        (("run", "fx.greet", "who=a", "times=many"), "not a valid integer"),
        (("run", "fx.greet", "who=a", "color=red"), "no parameter 'color'"),
        (("run", "fx.slow", "env_name=a", "cmd=rm -rf /"), "immutable"),
        (("run", "fx.greet", "who"), "not key=value"),
    ]:
        proc = cli.run(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert needle in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
        assert "Traceback" not in proc.stderr
    rc, rows = cli.json("execution", "list")
    assert rows == []


def test_history_get_and_rerun(cli):
    rc, first = cli.json("run", "fx.greet", "who=zed")
    rc, rows = cli.json("execution", "list", "--action", "fx.greet")
    assert [r["id"] for r in rows] == [first["id"]]
    rc, rerun = cli.json("execution", "re-run", first["id"], "times=3")
    assert rerun["parameters"] == {"who": "zed", "times": 3}
    assert rerun["result"]["result"]["text"] == "hello zed hello zed hello zed"
    rc, rows = cli.json("execution", "list", "-n", "1")
    assert rows[0]["id"] == rerun["id"]
    proc = cli.run("execution", "get", "ffffffffffffffffffffffff")
    assert proc.returncode == 2 and "no execution" in proc.stderr


def test_async_run_completes_in_the_background(cli):
    import time

    rc, ex = cli.json("run", "fx.greet", "who=bg", "--async")
    assert rc == 0
    deadline = time.time() + 30
    while time.time() < deadline:
        rc, got = cli.json("execution", "get", ex["id"])
        if got["status"] == "succeeded":
            break
        time.sleep(0.2)
    assert got["status"] == "succeeded" and got["result"]["result"]["text"] == "hello bg"


def test_a_bad_pack_config_fails_the_run_with_one_line_naming_the_file(cli):
    with open(cli.state + "/configs/fx.yaml", "w") as f:
        f.write("greeting: [not, a, string]\n")
    rc, ex = cli.json("run", "fx.greet", "who=al")
    assert rc == 1 and ex["status"] == "failed"
    assert "configs/fx.yaml: option 'greeting'" in ex["result"]["error"]
    rc, report = cli.json("pack", "validate")
    assert rc == 2 and report["problems"][0]["field"] == "config"


def test_a_python_action_ends_when_the_runtime_running_it_dies(cli):
    import signal
    import time

    proc = cli.start("run", "fx.crash", "mode=sleep", "timeout=60")
    deadline = time.time() + 20
    actions = []
    while time.time() < deadline and not actions:
        # a fresh wrapper is a child of st2lite; one forked by the fork server a grandchild
        below = _descendants(proc.pid)
        actions = [
            pid
            for pid, (ppid, args) in below.items()
            if "python_wrapper" in args or "python_forkserver" in below.get(ppid, (0, ""))[1]
        ]
        time.sleep(0.2)
    assert actions, "the action's process never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(pid) for pid in actions):
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in actions)


def _descendants(root):
    """{pid: (ppid, args)} of every process below root."""
    import subprocess

    out = subprocess.run(
        ["ps", "-ww", "-eo", "pid,ppid,args"], capture_output=True, text=True
    ).stdout
    rows = [(line.split(None, 2) + [""])[:3] for line in out.splitlines()[1:]]
    below, found = {root}, {}
    for _ in range(len(rows)):
        more = dict(
            (int(pid), (int(ppid), args))
            for pid, ppid, args in rows
            if int(ppid) in below and int(pid) not in below
        )
        if not more:
            break
        below.update(more)
        found.update(more)
    return found


def _alive(pid):

    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
