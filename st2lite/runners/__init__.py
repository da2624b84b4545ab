"""One module per runner type; `runner_for(action)` picks the function that runs an action."""
from st2lite.runners import (core_actions, http_request, local_shell, noop, orquesta_runner,
                             python_script)

RUNNERS = {
    "python-script": python_script.run,
    "local-shell-cmd": local_shell.run_command,
    "local-shell-script": local_shell.run_script,
    "noop": noop.run,
    "http-request": http_request.run,
    "orquesta": orquesta_runner.run,
}


def runner_for(action):
    return core_actions.BUILTIN_HANDLERS.get(action["ref"]) or RUNNERS[action["runner_type"]]
