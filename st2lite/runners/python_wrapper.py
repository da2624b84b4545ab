"""Runs one python-script action in its own process, as StackStorm's python runner wrapper does.

The spec (JSON): entry_point, pack, parameters, config, lib_paths, state_dir, result_path, and
parent_pid (the process whose end ends the action; if it is already gone, the action ends).
`python -m st2lite.runners.python_wrapper` reads it on stdin; the fork server's children call
`exit_code_of_action(spec)` instead. The action's own prints stay on stdout/stderr, and so do
the lines of its `self.logger` from spec["log_level"] up (StackStorm's `log_level`); the result
goes to spec["result_path"] as JSON. No root logging is set up, as in StackStorm's wrapper.
"""

import importlib.util
import inspect
import json
import os
import signal
import sys
import threading
import time
import traceback

PARENT_POLL_SECONDS = 0.5


def exit_code_of_action(spec):
    """Runs the action; returns the process exit code. A SystemExit raised by the action
    propagates, as it would end a fresh interpreter."""
    try:
        return run_action(spec)
    except Exception:  # the action's failure: StackStorm shows the traceback in stderr
        traceback.print_exc()
        return 1


def run_action(spec):
    sys.stdin = open(os.devnull)
    _end_with_the_runtime(spec.get("parent_pid") or os.getppid())
    from st2lite.compat import COMPAT_DIR

    for path in [os.path.dirname(spec["entry_point"])] + list(spec["lib_paths"]):
        sys.path.insert(0, path)
    add_compat(COMPAT_DIR)
    action_class = _load_action_class(spec["entry_point"])
    instance = action_class(
        config=spec["config"], action_service=_action_service(spec, action_class)
    )
    outcome = instance.run(**spec["parameters"])
    succeeded, result = True, outcome
    if isinstance(outcome, tuple) and len(outcome) == 2 and isinstance(outcome[0], bool):
        succeeded, result = outcome
    with open(spec["result_path"], "w") as f:
        json.dump({"succeeded": succeeded, "result": result}, f, default=str)
    return 0 if succeeded else 1


def _end_with_the_runtime(parent_pid):
    """When the process that started this action dies (the st2lite process, or the fork server
    that dies with it), the action and whatever it started in its process group end too,
    instead of running on unrecorded."""

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_SECONDS)
        os.killpg(os.getpgid(0), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def add_compat(compat_dir):
    """The compat modules, behind the real ones when StackStorm itself is installed."""
    try:
        import st2common.runners.base_action  # noqa: F401
    except ImportError:
        sys.path.append(compat_dir)


def _load_action_class(path):
    from st2common.runners.base_action import Action

    name = "st2lite_action_" + os.path.splitext(os.path.basename(path))[0]
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    classes = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, Action) and c is not Action and c.__module__ == module.__name__
    ]
    if len(classes) != 1:
        raise ImportError(
            "%s must define exactly one Action subclass, it defines %d" % (path, len(classes))
        )
    return classes[0]


def _action_service(spec, action_class):
    """The action's service; its logger is the action's `self.logger` (StackStorm gives the
    datastore service the same one)."""
    from st2common.runners.utils import get_logger_for_python_runner_action
    from st2common.services.datastore import ActionService

    from st2lite.store.datastore import Datastore
    from st2lite.store.db import Database

    datastore = Datastore(Database(spec["state_dir"]), spec["state_dir"])
    name, log_level = action_class.__name__, spec.get("log_level") or "debug"
    logger = get_logger_for_python_runner_action(name, log_level)
    return ActionService(datastore, spec["pack"], name, logger, log_level)


def main():
    try:
        spec = json.load(sys.stdin)
    except ValueError as e:
        sys.stderr.write("python_wrapper: stdin is not a JSON action spec: %s\n" % e)
        return 2
    return exit_code_of_action(spec)


if __name__ == "__main__":
    sys.exit(main())
