"""The python-script runner: the action's Action class, run in a process of its own."""
import json
import os
import sys
import tempfile

from st2lite.packs.builtin import RUNNER_PARAMETERS
from st2lite.runners.base import RunnerOutcome, run_process


def run(request):
    action, runtime = request.action, request.runtime
    params = dict((k, v) for k, v in request.parameters.items()
                  if k not in RUNNER_PARAMETERS["python-script"])
    fd, result_path = tempfile.mkstemp(prefix="st2lite-result-", suffix=".json")
    os.close(fd)
    try:
        spec = {"entry_point": action["entry_point_path"], "pack": action["pack"],
                "parameters": params, "config": runtime.pack_config(action["pack"]),
                "lib_paths": runtime.pack_lib_paths(action["pack"]), "state_dir": runtime.state_dir,
                "result_path": result_path}
        env = dict(os.environ, ST2_ACTION_EXECUTION_ID=request.execution_id,
                   ST2_ACTION_PACK_NAME=action["pack"], ST2_ACTION_API_URL="",
                   PYTHONUNBUFFERED="1", **_string_env(request.parameters.get("env")))
        code, out, err, timed_out = run_process(
            [sys.executable, "-m", "st2lite.runners.python_wrapper"],
            timeout=request.parameters.get("timeout") or 600, env=env,
            cwd=os.path.dirname(action["entry_point_path"]), stdin_text=json.dumps(spec, default=str))
        returned = _read_result(result_path)
    finally:
        os.unlink(result_path)
    result = {"result": returned.get("result"), "stdout": out, "stderr": err, "exit_code": code}
    if timed_out:
        result["error"] = "Action failed to complete in %s seconds" % request.parameters.get("timeout")
        return RunnerOutcome("timeout", result)
    return RunnerOutcome("succeeded" if code == 0 and returned.get("succeeded") else "failed", result)


def _read_result(path):
    try:
        with open(path) as f:
            return json.load(f)
    except ValueError:
        return {}


def _string_env(env):
    return dict((str(k), str(v)) for k, v in (env or {}).items())
