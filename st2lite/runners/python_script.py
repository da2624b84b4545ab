"""The python-script runner: the action's Action class, run in a process of its own.

That process is forked from a warm fork server (python_forkclient) unless ST2LITE_PYTHON_FORK=0
or the server cannot be used; then it is a fresh `python -m st2lite.runners.python_wrapper`.
"""

import json
import os
import sys
import tempfile

from st2lite.packs.builtin import RUNNER_PARAMETERS
from st2lite.runners import python_forkclient
from st2lite.runners.action_env import action_env
from st2lite.runners.base import RunnerOutcome, run_process
from st2lite.runners.live_output import recorder_for


def run(request):
    action, runtime = request.action, request.runtime
    params = dict(
        (k, v) for k, v in request.parameters.items() if k not in RUNNER_PARAMETERS["python-script"]
    )
    # In the runtime's own directory: if st2lite is killed before the finally below, the file
    # goes with that directory when the next st2lite sweeps those of ended processes.
    fd, result_path = tempfile.mkstemp(prefix="result-", suffix=".json", dir=runtime.scratch_dir)
    os.close(fd)
    timeout = request.parameters.get("timeout") or 600
    recorder = recorder_for(request)
    try:
        spec = {
            "entry_point": action["entry_point_path"],
            "pack": action["pack"],
            "parameters": params,
            "config": runtime.pack_config(action["pack"]),
            "lib_paths": runtime.pack_lib_paths(action["pack"]),
            "state_dir": runtime.state_dir,
            "result_path": result_path,
            "parent_pid": os.getpid(),
            "log_level": request.parameters.get("log_level") or "DEBUG",
        }
        with action_env(request, timeout) as st2_variables:
            env = dict(
                os.environ, PYTHONUNBUFFERED="1", **_string_env(request.parameters.get("env"))
            )
            env.update(st2_variables)  # StackStorm's own win over the action's `env`, as there
            code, out, err, timed_out = _run_wrapper(
                spec,
                env,
                cwd=os.path.dirname(action["entry_point_path"]),
                timeout=timeout,
                pack_dirs=_pack_dirs(runtime),
                on_output=recorder.line,
            )
        returned = _read_result(result_path)
    finally:
        recorder.close()
        os.unlink(result_path)
    result = {"result": returned.get("result"), "stdout": out, "stderr": err, "exit_code": code}
    if timed_out:
        result["error"] = "Action failed to complete in %s seconds" % request.parameters.get(
            "timeout"
        )
        return RunnerOutcome("timeout", result)
    return RunnerOutcome(
        "succeeded" if code == 0 and returned.get("succeeded") else "failed", result
    )


def warm_pack(runtime, pack):
    """Let the fork server preload for the pack's python actions now (a workflow calls this as
    it starts, so its first python task does not wait for those imports)."""
    specs = [
        {"entry_point": action["entry_point_path"], "lib_paths": runtime.pack_lib_paths(pack)}
        for action in runtime.content.actions.values()
        if action["pack"] == pack
        and action["runner_type"] == "python-script"
        and action.get("entry_point_path")
    ]
    python_forkclient.warm(specs, _pack_dirs(runtime))


def _pack_dirs(runtime):
    return sorted(p.path for p in runtime.content.packs.values())


def _run_wrapper(spec, env, cwd, timeout, pack_dirs, on_output):
    """(return_code, stdout, stderr, timed_out) of the wrapper run for this spec."""
    if python_forkclient.enabled(env):
        try:
            return python_forkclient.run_action(spec, env, cwd, timeout, pack_dirs, on_output)
        except python_forkclient.ForkServerUnavailable:
            pass  # not started: a fresh process runs it, as it would without the server
    return run_process(
        [sys.executable, "-m", "st2lite.runners.python_wrapper"],
        timeout=timeout,
        env=env,
        cwd=cwd,
        stdin_text=json.dumps(spec, default=str),
        on_output=on_output,
    )


def _read_result(path):
    try:
        with open(path) as f:
            return json.load(f)
    except ValueError:
        return {}


def _string_env(env):
    return dict((str(k), str(v)) for k, v in (env or {}).items())
