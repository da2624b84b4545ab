"""What every runner shares: the call signature, outcome and process handling."""

import os
import signal
import subprocess

from st2lite.runners.process_tracking import track


class RunnerOutcome(object):
    """status: succeeded | failed | timeout | canceled; result: the runner's result shape."""

    def __init__(self, status, result):
        self.status = status
        self.result = result


class ActionRequest(object):
    """Everything a runner needs to run one action once."""

    def __init__(self, runtime, action, parameters, execution_id, context):
        self.runtime = runtime
        self.action = action
        self.parameters = parameters
        self.execution_id = execution_id
        self.context = context


def run_process(argv, timeout, cwd=None, env=None, stdin_text=None):
    """(return_code, stdout, stderr, timed_out); the whole process group is killed on timeout."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    track(proc)  # a cancel of the execution kills its group
    try:
        out, err = proc.communicate(stdin_text.encode() if stdin_text else None, timeout=timeout)
        return proc.returncode, _text(out), _text(err), False
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        return -9, _text(out), _text(err), True


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _text(data):
    return (data or b"").decode("utf-8", "replace")


def strip_shell_chars(text):
    """StackStorm drops the trailing newline that shell output ends with."""
    return text[:-1] if text.endswith("\n") else text
