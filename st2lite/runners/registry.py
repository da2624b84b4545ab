"""Which function runs an action: one module per runner type, imported when first needed so a
python action's own process does not pay for the others."""
import importlib

RUNNERS = {
    "python-script": ("python_script", "run"),
    "local-shell-cmd": ("local_shell", "run_command"),
    "local-shell-script": ("local_shell", "run_script"),
    "noop": ("noop", "run"),
    "http-request": ("http_request", "run"),
    "orquesta": ("orquesta_runner", "run"),
}


def runner_for(action):
    from st2lite.runners.core_actions import BUILTIN_HANDLERS
    handler = BUILTIN_HANDLERS.get(action["ref"])
    if handler:
        return handler
    module_name, function = RUNNERS[action["runner_type"]]
    return getattr(importlib.import_module("st2lite.runners." + module_name), function)
