"""The local-shell-cmd and local-shell-script runners (`core.local`, `core.echo`, script actions)."""

import os

from st2lite.packs.builtin import RUNNER_PARAMETERS
from st2lite.runners.action_env import action_env
from st2lite.runners.base import RunnerOutcome, run_process, strip_shell_chars
from st2lite.runners.live_output import recorder_for


def run_command(request):
    return _run(request, ["bash", "-c", request.parameters.get("cmd") or ""])


def run_script(request):
    return _run(request, [request.action["entry_point_path"]] + script_arguments(request))


def script_arguments(request):
    """Positional parameters in `position` order, then the rest as --name=value (kwarg_op)."""
    schema = request.action.get("parameters") or {}
    runner_names = set(RUNNER_PARAMETERS["local-shell-script"])
    values = dict(
        (k, v) for k, v in request.parameters.items() if k not in runner_names and v is not None
    )
    positional = sorted(
        (s["position"], n) for n, s in schema.items() if "position" in s and n in values
    )
    args = [_as_text(values.pop(name)) for _, name in positional]
    kwarg_op = request.parameters.get("kwarg_op", "--")
    args += ["%s%s=%s" % (kwarg_op, name, _as_text(values[name])) for name in sorted(values)]
    return args


def _as_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _run(request, argv):
    params = request.parameters
    timeout = params.get("timeout") or 60
    recorder = recorder_for(request)
    try:
        with action_env(request, timeout) as st2_variables:
            env = dict(
                os.environ, **dict((str(k), str(v)) for k, v in (params.get("env") or {}).items())
            )
            env.update(st2_variables)  # StackStorm's own win over the action's `env`, as there
            code, out, err, timed_out = run_process(
                argv, timeout=timeout, cwd=params.get("cwd"), env=env, on_output=recorder.line
            )
    finally:
        recorder.close()
    result = {
        "failed": code != 0,
        "succeeded": code == 0,
        "return_code": code,
        "stdout": strip_shell_chars(out),
        "stderr": strip_shell_chars(err),
    }
    if timed_out:
        result["error"] = "Action failed to complete in %s seconds" % params.get("timeout")
        return RunnerOutcome("timeout", result)
    return RunnerOutcome("succeeded" if code == 0 else "failed", result)
