"""python-script actions forked from the warm fork server behave as in a fresh wrapper process
(ST2LITE_PYTHON_FORK=0): result, output, exit codes, environment, timeouts, lifetimes."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest
from st2lite_cli import Cli

FRESH = {"ST2LITE_PYTHON_FORK": "0"}
FORKED = {"ST2LITE_PYTHON_FORK": "1"}

PROBE = """
import logging, os, sys
from st2common.runners.base_action import Action


class Probe(Action):
    def run(self, word):
        with open(os.path.join(os.path.dirname(__file__), "ran.log"), "a") as f:
            f.write(word + "\\n")
        print("out " + word)
        sys.stderr.write("err " + word + "\\n")
        with open("/proc/%d/cmdline" % os.getppid()) as f:
            parent = f.read().replace("\\0", " ")
        streams = [(s.encoding, s.errors, s.line_buffering, s.write_through, s.fileno())
                   for s in (sys.stdout, sys.stderr)]
        return {"word": word, "cwd": os.getcwd(), "argv0": os.path.basename(sys.argv[0]),
                "pack_name": os.environ["ST2_ACTION_PACK_NAME"],
                "execution_id": os.environ["ST2_ACTION_EXECUTION_ID"],
                "api_url": os.environ["ST2_ACTION_API_URL"],
                "custom": os.environ.get("CUSTOM_VAR"), "unbuffered": os.environ["PYTHONUNBUFFERED"],
                "session_leader": os.getsid(0) == os.getpid() == os.getpgid(0),
                "stdin": sys.stdin.read(), "streams": streams, "path": sys.path[0:3],
                "main": sys.modules["__main__"].__name__, "logging": len(logging.getLogger().handlers),
                "forked": "python_forkserver" in parent}
"""

ENDINGS = """
import atexit, sys, threading, time
from st2common.runners.base_action import Action


class Endings(Action):
    def run(self, mode):
        atexit.register(lambda: print("atexit ran"))
        if mode == "exit3":
            sys.exit(3)
        if mode == "exit_text":
            sys.exit("leaving early")
        if mode == "tuple":
            return (False, {"why": "refused"})
        if mode == "background":
            import subprocess
            print(subprocess.Popen(["sleep", "60"]).pid)
            return "left running"
        if mode == "chatty":
            for i in range(2000):
                print("o" * 99)
                sys.stderr.write("e" * 99 + "\\n")
            return "said a lot"
        if mode == "thread":
            threading.Thread(target=lambda: (time.sleep(0.3), print("thread done"))).start()
            return "returned"
        raise ValueError("boom " + mode)
"""

SPAWNER = """
import subprocess, time
from st2common.runners.base_action import Action


class Spawner(Action):
    def run(self, pid_file):
        # outlives the tests' 120 s bound on a command: a run that waited for it would not end
        child = subprocess.Popen(["sleep", "600"])
        with open(pid_file, "w") as f:
            f.write("%d" % child.pid)
        print("spawned", flush=True)
        time.sleep(60)
"""

EDITS_ITSELF = """
import os
import helper
from st2common.runners.base_action import Action


class EditsItself(Action):
    def run(self):
        with open(helper.__file__, "w") as f:
            f.write("VERSION = 'edited by the first run'\\n")
        with open(__file__) as f:
            source = f.read()
        with open(__file__, "w") as f:
            f.write(source.replace("'first action source'", "'second action source, longer'"))
        return {"helper": helper.VERSION, "action": 'first action source'}
"""

EDITS_TWICE = """
version: 1.0
tasks:
  first:
    action: fs.edits_itself
    next:
      - publish: first=<% result().result %>
        do: second
  second:
    action: fs.edits_itself
    next:
      - publish: second=<% result().result %>
output:
  - first: <% ctx().first %>
  - second: <% ctx().second %>
"""

MANY = """
version: 1.0
input:
  - words
tasks:
  each:
    with:
      items: <% ctx().words %>
      concurrency: 20
    action: fs.probe word=<% item() %>
    next:
      - publish: results=<% result().select($.result) %>
output:
  - results: <% ctx().results %>
"""

USES_YAML = """
import yaml
from st2common.runners.base_action import Action


class UsesYaml(Action):
    def run(self):
        return yaml.safe_load("a: 1")
"""

SHADOWED = """
import yaml
from st2common.runners.base_action import Action


class Shadowed(Action):
    def run(self):
        return yaml.SHADOW
"""

YAML_THEN_SHADOW = """
version: 1.0
tasks:
  real:
    action: fs.uses_yaml
    next:
      - publish: real=<% result().result %>
        do: shadowed
  shadowed:
    action: fs2.shadowed
    next:
      - publish: shadowed=<% result().result %>
output:
  - real: <% ctx().real %>
  - shadowed: <% ctx().shadowed %>
"""

KILLS_ITS_PARENT = """
import os, signal, time
from st2common.runners.base_action import Action


class KillsItsParent(Action):
    def run(self):
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(10)
"""

SERVER_DIES = """
version: 1.0
tasks:
  kill:
    action: fs.kills_its_parent
    next:
      - when: <% failed() %>
        publish: killed=<% result().exit_code %>
        do: after
  after:
    action: fs.probe
    next:
      - publish: forked=<% result().result.forked %>
output:
  - killed: <% ctx().killed %>
  - forked: <% ctx().forked %>
"""

SERVERS_LOST = """
version: 1.0
tasks:
  kill1:
    action: fs.kills_its_parent
    next:
      - when: <% failed() %>
        do: kill2
  kill2:
    action: fs.kills_its_parent
    next:
      - when: <% failed() %>
        do: kill3
  kill3:
    action: fs.kills_its_parent
    next:
      - when: <% failed() %>
        do: after
  after:
    action: fs.probe
    next:
      - publish: forked=<% result().result.forked %>
output:
  - forked: <% ctx().forked %>
"""


USES_COLORSYS = """
import colorsys
from st2common.runners.base_action import Action


class UsesColorsys(Action):
    def run(self):
        return colorsys.rgb_to_hsv(1, 0, 0)
"""

LOADED = """
import sys
from st2common.runners.base_action import Action


class Loaded(Action):
    def run(self):
        return "colorsys" in sys.modules
"""

COUNTS_SERVERS = """
import os
from st2common.runners.base_action import Action


def _parent(pid):
    with open("/proc/%s/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


class CountsServers(Action):
    def run(self):
        st2lite = _parent(os.getppid())  # this action's server, then the server's st2lite
        servers = 0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    command = f.read()
                servers += _parent(pid) == st2lite and b"python_forkserver" in command
            except OSError:
                continue
        return servers
"""

ONLY_LOADED = """
version: 1.0
tasks:
  look:
    action: fs.loaded
    next:
      - publish: loaded=<% result().result %>
output:
  - loaded: <% ctx().loaded %>
"""


class FsCli(Cli):
    """The real command line against a pack written for these tests."""

    def __init__(self, state, packs):
        Cli.__init__(self, state)
        self.packs = str(packs)

    def argv(self, *args):
        return Cli.argv(self, *args)[:2] + [self.packs] + Cli.argv(self, *args)[3:]


def _action(actions, name, source, parameters, runner="python-script", entry=None):
    entry = entry or name + ".py"
    with open(os.path.join(actions, entry), "w") as f:
        f.write(textwrap.dedent(source))
    lines = [
        "name: %s" % name,
        "runner_type: %s" % runner,
        "entry_point: %s" % entry,
        "parameters:",
    ] + ["  %s" % p for p in parameters or ["{}"]]
    if not parameters:
        lines[-2:] = ["parameters: {}"]
    with open(os.path.join(actions, name + ".yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")


@pytest.fixture
def fs(tmp_path):
    pack = tmp_path / "packs" / "fs"
    actions = pack / "actions"
    os.makedirs(str(actions / "workflows"))
    os.makedirs(str(pack / "lib"))
    (pack / "pack.yaml").write_text(
        "ref: fs\nname: fs\ndescription: fork server tests\n"
        "version: 1.0.0\nauthor: tests\nemail: t@example.com\n"
    )
    (pack / "lib" / "helper.py").write_text("VERSION = 'as shipped'\n")
    _action(str(actions), "probe", PROBE, ["word: {type: string, default: hi}"])
    _action(str(actions), "endings", ENDINGS, ["mode: {type: string, required: true}"])
    _action(
        str(actions),
        "spawner",
        SPAWNER,
        ["pid_file: {type: string, required: true}", "timeout: {default: 1}"],
    )
    _action(str(actions), "edits_itself", EDITS_ITSELF, [])
    _action(
        str(actions),
        "edits_twice",
        EDITS_TWICE,
        [],
        runner="orquesta",
        entry="workflows/edits_twice.yaml",
    )
    _action(
        str(actions),
        "many",
        MANY,
        ["words: {type: array}"],
        runner="orquesta",
        entry="workflows/many.yaml",
    )
    _action(str(actions), "uses_yaml", USES_YAML, [])
    _action(
        str(actions),
        "yaml_then_shadow",
        YAML_THEN_SHADOW,
        [],
        runner="orquesta",
        entry="workflows/yaml_then_shadow.yaml",
    )
    _action(str(actions), "kills_its_parent", KILLS_ITS_PARENT, [])
    _action(
        str(actions),
        "server_dies",
        SERVER_DIES,
        [],
        runner="orquesta",
        entry="workflows/server_dies.yaml",
    )
    _action(
        str(actions),
        "servers_lost",
        SERVERS_LOST,
        [],
        runner="orquesta",
        entry="workflows/servers_lost.yaml",
    )
    _action(str(actions), "uses_colorsys", USES_COLORSYS, [])
    _action(str(actions), "loaded", LOADED, [])
    _action(str(actions), "counts_servers", COUNTS_SERVERS, [])
    _action(
        str(actions),
        "only_loaded",
        ONLY_LOADED,
        [],
        runner="orquesta",
        entry="workflows/only_loaded.yaml",
    )
    other = tmp_path / "packs" / "fs2"
    os.makedirs(str(other / "actions"))
    os.makedirs(str(other / "lib"))
    (other / "pack.yaml").write_text(
        "ref: fs2\nname: fs2\ndescription: shadows yaml\n"
        "version: 1.0.0\nauthor: tests\nemail: t@example.com\n"
    )
    (other / "lib" / "yaml.py").write_text("SHADOW = 'the pack lib yaml'\n")
    _action(str(other / "actions"), "shadowed", SHADOWED, [])
    return FsCli(tmp_path / "state", tmp_path / "packs")


def _both(fs, *args):
    """(forked, fresh) executions of one command."""
    outcomes = []
    for env in (FORKED, FRESH):
        rc, ex = fs.json(*args, env=env)
        outcomes.append((rc, ex))
    return outcomes


def test_the_action_sees_what_a_fresh_process_sees(fs):
    (rc_fork, forked), (rc_fresh, fresh) = _both(
        fs, "run", "fs.probe", "word=zed", 'env={"CUSTOM_VAR": "custom"}'
    )
    assert rc_fork == rc_fresh == 0
    fork_result, fresh_result = forked["result"]["result"], fresh["result"]["result"]
    assert fork_result.pop("forked") is True and fresh_result.pop("forked") is False
    assert fork_result.pop("execution_id") == forked["id"]
    assert fresh_result.pop("execution_id") == fresh["id"]
    assert fork_result == fresh_result
    assert fork_result["cwd"] == os.path.join(fs.packs, "fs", "actions")
    assert fork_result["custom"] == "custom" and fork_result["session_leader"] is True
    # the pack's lib, the action's directory, then the working directory `python -m` adds
    assert fork_result["path"] == [os.path.join(fs.packs, "fs", "lib")] + [fork_result["cwd"]] * 2
    for ex in (forked, fresh):
        assert ex["result"]["stdout"] == "out zed\n"
        assert ex["result"]["stderr"] == "err zed\n"
        assert ex["result"]["exit_code"] == 0


@pytest.mark.parametrize(
    "mode,status,code,stdout,stderr_end",
    [
        ("exit3", "failed", 3, "atexit ran\n", ""),
        ("exit_text", "failed", 1, "atexit ran\n", "leaving early\n"),
        ("tuple", "failed", 1, "atexit ran\n", ""),
        ("thread", "succeeded", 0, "thread done\natexit ran\n", ""),
        ("raise", "failed", 1, "atexit ran\n", "ValueError: boom raise\n"),
    ],
)
def test_exits_and_failures_end_the_same_way(fs, mode, status, code, stdout, stderr_end):
    for _rc, ex in _both(fs, "run", "fs.endings", "mode=" + mode):
        assert (ex["status"], ex["result"]["exit_code"]) == (status, code), ex
        assert ex["result"]["stdout"] == stdout
        assert ex["result"]["stderr"].endswith(stderr_end)
    forked, fresh = _both(fs, "run", "fs.endings", "mode=" + mode)
    assert forked[1]["result"]["result"] == fresh[1]["result"]["result"]


def test_a_chatty_action_is_heard_in_full(fs):
    for rc, ex in _both(fs, "run", "fs.endings", "mode=chatty"):
        assert rc == 0 and ex["result"]["result"] == "said a lot"
        assert ex["result"]["stdout"] == ("o" * 99 + "\n") * 2000 + "atexit ran\n"
        assert ex["result"]["stderr"] == ("e" * 99 + "\n") * 2000


def test_a_timeout_kills_the_action_and_what_it_started(fs, tmp_path):
    for env in (FORKED, FRESH):
        pid_file = str(tmp_path / ("pid-" + env["ST2LITE_PYTHON_FORK"]))
        rc, ex = fs.json("run", "fs.spawner", "pid_file=" + pid_file, env=env)
        assert rc == 1 and ex["status"] == "timeout"
        assert ex["result"]["exit_code"] == -9
        assert ex["result"]["stdout"] == "spawned\n"
        assert ex["result"]["error"] == "Action failed to complete in 1 seconds"
        with open(pid_file) as f:
            assert _gone_within(int(f.read()), 5)


def test_output_held_open_by_what_the_action_left_running_ends_in_a_timeout(fs):
    for _rc, ex in _both(fs, "run", "fs.endings", "mode=background", "timeout=2"):
        assert ex["status"] == "timeout" and ex["result"]["exit_code"] == -9, ex
        assert _gone_within(int(ex["result"]["stdout"].split()[0]), 5)


def test_twenty_concurrent_actions_all_succeed(fs):
    words = ["w%02d" % i for i in range(20)]
    rc, ex = fs.json("run", "fs.many", "words=" + ",".join(words), env=FORKED)
    assert rc == 0 and ex["status"] == "succeeded", ex
    results = ex["result"]["output"]["results"]
    assert [r["word"] for r in results] == words
    assert all(r["forked"] for r in results), [r for r in results if not r["forked"]]
    assert len(set(r["execution_id"] for r in results)) == 20
    with open(os.path.join(fs.packs, "fs", "actions", "ran.log")) as f:
        assert sorted(f.read().split()) == words  # each ran once: none again in a fresh process


def test_an_edited_pack_file_takes_effect_on_the_next_run_in_the_same_process(fs):
    rc, ex = fs.json("run", "fs.edits_twice", env=FORKED)
    assert rc == 0, ex
    output = ex["result"]["output"]
    assert output["first"] == {"helper": "as shipped", "action": "first action source"}
    assert output["second"] == {
        "helper": "edited by the first run",
        "action": "second action source, longer",
    }


def test_a_pack_module_is_not_shadowed_by_a_module_preloaded_for_another_pack(fs):
    for rc, ex in _both(fs, "run", "fs.yaml_then_shadow"):
        assert rc == 0, ex
        assert ex["result"]["output"] == {"real": {"a": 1}, "shadowed": "the pack lib yaml"}


def test_interpreter_settings_in_the_action_env_get_a_fresh_process(fs):
    rc, ex = fs.json("run", "fs.probe", 'env={"PYTHONHASHSEED": "7"}', env=FORKED)
    assert rc == 0 and ex["result"]["result"]["forked"] is False


def test_an_action_ends_with_its_server_and_the_next_one_gets_a_new_server(fs):
    rc, ex = fs.json("run", "fs.server_dies", env=FORKED)
    assert ex["result"]["output"] == {"killed": -9, "forked": True}, ex


def test_after_three_servers_are_lost_actions_run_in_fresh_processes(fs):
    rc, ex = fs.json("run", "fs.servers_lost", env=FORKED)
    assert ex["result"]["output"] == {"forked": False}, ex


def test_the_server_and_its_action_end_when_the_runtime_is_killed(fs, tmp_path):
    proc = subprocess.Popen(
        fs.argv("run", "fs.spawner", "pid_file=" + str(tmp_path / "p"), "timeout=60"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, **FORKED),
    )
    try:
        tree = _wait_for(lambda: _grandchildren(proc.pid), 20)
        assert tree, "the action never started"
        server = [
            pid
            for pid, ppid, args in _processes()
            if ppid == proc.pid and "python_forkserver" in args
        ]
        assert server, "the action did not run in the fork server"
        socket_dir = _socket_dir(server[0])
        assert os.stat(socket_dir).st_mode & 0o777 == 0o700
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        for pid in server + tree:
            assert _gone_within(pid, 5), "pid %d outlived the st2lite process" % pid
        assert not os.path.exists(socket_dir)
    finally:
        proc.kill()


def test_the_server_is_closed_when_st2lite_exits(fs, own_tmpdir):
    # st2lite's fork server keeps its socket in a directory under TMPDIR: a private TMPDIR
    # tells this run's server and directory from those of any other st2lite on the machine
    rc, ex = fs.json("run", "fs.probe", env=dict(FORKED, TMPDIR=own_tmpdir))
    assert rc == 0 and ex["result"]["result"]["forked"]
    assert _wait_for(lambda: not _fork_servers_under(own_tmpdir), 5)
    assert os.listdir(own_tmpdir) == []


@pytest.fixture
def own_tmpdir():
    """A new directory with a short path (a unix socket path has at most 107 bytes)."""
    path = tempfile.mkdtemp(prefix="fs-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _fork_servers_under(directory):
    return [
        pid
        for pid, _, args in _processes()
        if "python_forkserver" in args and " %s/" % directory in args
    ]


def _grandchildren(pid):
    children = [p for p, ppid, _ in _processes() if ppid == pid]
    return [p for p, ppid, _ in _processes() if ppid in children]


def _processes():
    out = subprocess.run(
        ["ps", "-ww", "-eo", "pid,ppid,args"], capture_output=True, text=True
    ).stdout
    rows = []
    for line in out.splitlines()[1:]:
        pid, ppid, args = (line.split(None, 2) + [""])[:3]
        rows.append((int(pid), int(ppid), args))
    return rows


def _socket_dir(pid):
    with open("/proc/%d/cmdline" % pid) as f:
        argv = f.read().split("\0")
    return os.path.dirname(argv[argv.index("st2lite.runners.python_forkserver") + 1])


def _wait_for(check, seconds):
    deadline = time.time() + seconds
    while True:
        value = check()
        if value or time.time() > deadline:
            return value
        time.sleep(0.2)


def _gone_within(pid, seconds):
    return _wait_for(lambda: not _alive(pid), seconds)


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_workflow_has_the_server_preload_for_all_its_packs_actions_as_it_starts(fs):
    (forked_rc, forked), (fresh_rc, fresh) = _both(fs, "run", "fs.only_loaded")
    assert forked_rc == 0 and fresh_rc == 0, (forked, fresh)
    # fs.uses_colorsys never ran, yet its import was loaded before fs.loaded was forked
    assert forked["result"]["output"]["loaded"] is True
    assert fresh["result"]["output"]["loaded"] is False


COMPILED_SOURCES = """
import ast, importlib, json, os, sys
from st2lite.runners.python_preload import CompiledSources
pack, outside = sys.argv[1], sys.argv[2]
compiled = CompiledSources([pack])
# compiled from other source but filed under each file's exact bytes: used only while they match,
# and only for modules under a pack directory
for directory, name in ((pack, "cached_mod"), (outside, "outside_mod")):
    path = os.path.join(directory, name + ".py")
    with open(path, "rb") as f:
        compiled.remember(path, f.read(), ast.parse("ORIGIN = 'compiled by the server'"))
compiled.install()
sys.path[:0] = [pack, outside]
import cached_mod, outside_mod
seen = [cached_mod.ORIGIN, outside_mod.ORIGIN]
with open(cached_mod.__file__, "w") as f:
    f.write("ORIGIN = 'edited on disk'\\n")
seen.append(importlib.reload(cached_mod).ORIGIN)
print(json.dumps(seen))
"""


def test_a_run_has_the_server_preload_for_the_actions_pack_before_the_packs_load(fs):
    rc, ex = fs.json("run", "fs.loaded", env=FORKED)
    # fs.uses_colorsys never ran: the server was asked for the whole pack as st2lite started
    assert rc == 0 and ex["result"]["result"] is True, ex


def test_the_server_started_early_is_the_one_the_run_uses(fs):
    rc, ex = fs.json("run", "fs.counts_servers", env=FORKED)
    assert rc == 0 and ex["result"]["result"] == 1, ex


def test_compiled_sources_serve_only_the_exact_source_they_were_compiled_for(tmp_path):
    for directory, name in (("pack", "cached_mod"), ("outside", "outside_mod")):
        (tmp_path / directory).mkdir()
        (tmp_path / directory / (name + ".py")).write_text("ORIGIN = 'compiled by the child'\n")
    done = subprocess.run(
        [sys.executable, "-c", COMPILED_SOURCES, str(tmp_path / "pack"), str(tmp_path / "outside")],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        "compiled by the server",
        "compiled by the child",
        "edited on disk",
    ]


ENDS_BEFORE_THE_SEND_RETURNS = """
import json, os, select, socket, sys
from st2lite.runners import python_forkclient
pack, state = sys.argv[1], sys.argv[2]
real_send_fds = socket.send_fds


def send_fds_then_stall(conn, buffers, fds, *args):
    # as a client thread that loses the CPU right after sending: the action runs and ends,
    # and the server closes the connection, before this thread goes on
    sent = real_send_fds(conn, buffers, fds, *args)
    poller = select.poll()
    poller.register(conn, 0)  # reports only the hang-up
    poller.poll(30000)
    return sent


socket.send_fds = send_fds_then_stall
result_path = os.path.join(state, "result.json")
spec = {"entry_point": os.path.join(pack, "actions", "once.py"), "pack": "once",
        "parameters": {}, "config": {}, "lib_paths": [], "state_dir": state,
        "result_path": result_path, "parent_pid": os.getpid()}
code, out, err, timed_out = python_forkclient.run_action(
    spec, dict(os.environ, PYTHONUNBUFFERED="1"), os.path.join(pack, "actions"), 60, [pack])
with open(result_path) as f:
    print(json.dumps({"code": code, "out": out, "result": json.load(f)["result"]}))
"""

RUNS_ONCE = """
import os
from st2common.runners.base_action import Action


class Once(Action):
    def run(self):
        with open(os.path.join(os.path.dirname(__file__), "runs.log"), "a") as f:
            f.write("ran\\n")
        print("done")
        return "ran"
"""


def test_an_action_that_ends_before_its_request_is_acknowledged_is_collected_not_rerun(tmp_path):
    actions = tmp_path / "once" / "actions"
    actions.mkdir(parents=True)
    (actions / "once.py").write_text(textwrap.dedent(RUNS_ONCE))
    (tmp_path / "state").mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            ENDS_BEFORE_THE_SEND_RETURNS,
            str(tmp_path / "once"),
            str(tmp_path / "state"),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"code": 0, "out": "done\n", "result": "ran"}
    assert (actions / "runs.log").read_text() == "ran\n"
