"""The result message StackStorm's chatops pack posts when an alias sets no result format.

Same lines as its default template: the action, status, execution id, duration, then the
result - for python and shell runners only the meaningful, non-empty keys.
"""

from .jinja_env import human_time

_PYTHON_RUNNERS = ("run-python", "python-script", "windows-cmd", "windows-script")
_PYTHON_KEYS = ("result", "stdout", "stderr", "exit_code")
_LOCAL_SHELL_RUNNERS = ("local-shell-cmd", "local-shell-script")
_REMOTE_SHELL_RUNNERS = ("remote-shell-cmd", "remote-shell-script")
_SHELL_KEYS = ("stdout", "stderr", "return_code", "error")


def default_result_message(execution):
    """``execution`` is the StackStorm-shaped view (see formatting.st2_execution_view)."""
    lines = [
        "Action %s completed." % execution["action"]["ref"],
        "status : %s" % execution.get("status"),
        "execution: %s" % execution.get("id"),
    ]
    if execution.get("web_url"):
        lines.append("web_url: %s" % execution["web_url"])
    if execution.get("elapsed_seconds"):
        lines.append("Took %s to complete." % human_time(execution["elapsed_seconds"]))
    result = execution.get("result")
    if result:
        lines += ["result :", "--------"]
        lines += _result_lines(result, _runner_name(execution))
    return "\n".join(lines)


def _runner_name(execution):
    runner = execution.get("runner") or {}
    return runner.get("name") if isinstance(runner, dict) else runner


def _result_lines(result, runner):
    if not isinstance(result, dict):
        return [str(result)]
    if runner in _PYTHON_RUNNERS:
        return _serialize(_picked(result, _PYTHON_KEYS))
    if runner in _LOCAL_SHELL_RUNNERS:
        return _serialize(_picked(result, _SHELL_KEYS))
    if runner in _REMOTE_SHELL_RUNNERS:
        lines = []
        for host, host_result in result.items():
            lines.append("%s : " % host)
            lines += _serialize(_picked(host_result, _SHELL_KEYS), "  ")
        return lines
    return _serialize(result)


def _picked(result, keys):
    return {key: value for key, value in result.items() if key in keys and value}


def _serialize(mapping, prefix=""):
    lines = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            lines.append("%s%s : " % (prefix, key))
            lines += _serialize(value, prefix + "  ")
        elif isinstance(value, str) and "\n" in value.strip():
            lines.append("%s%s : " % (prefix, key))
            lines += [prefix + "  " + line for line in value.strip().split("\n")]
        else:
            lines.append("%s%s : %s" % (prefix, key, str(value).strip()))
    return lines
