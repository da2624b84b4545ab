"""Which function runs an action: one module per runner type, imported when first needed so a
python action's own process does not pay for the others."""

import concurrent.futures.thread  # noqa: F401  (see below)
import importlib

# A rule's action started as `st2lite run` ends is run while the interpreter shuts down (the
# command waits for it in an atexit hook), when concurrent.futures.thread, which the orquesta
# runner needs, can no longer be imported ("can't register atexit after shutdown"): import it now.

RUNNERS = {
    "python-script": ("python_script", "run"),
    "local-shell-cmd": ("local_shell", "run_command"),
    "local-shell-script": ("local_shell", "run_script"),
    "noop": ("noop", "run"),
    "http-request": ("http_request", "run"),
    "orquesta": ("orquesta_runner", "run"),
    "inquirer": ("inquirer", "run"),
    "announcement": ("announcement", "run"),
}
# Runners whose executions can pause, and how each goes on with a paused one.
RESUMERS = {
    "orquesta": ("orquesta_runner", "resume"),
}


def runner_for(action):
    from st2lite.runners.core_actions import BUILTIN_HANDLERS

    handler = BUILTIN_HANDLERS.get(action["ref"]) if action.get("builtin") else None
    if handler:
        return handler
    return _function(RUNNERS[action["runner_type"]])


def resumer_for(action):
    """The function that goes on with a paused execution of the action, or None."""
    entry = RESUMERS.get(action["runner_type"])
    return _function(entry) if entry else None


def _function(entry):
    module_name, function = entry
    return getattr(importlib.import_module("st2lite.runners." + module_name), function)
