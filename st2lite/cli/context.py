"""Shared helpers of the CLI commands: the runtime for the parsed options, the current user."""

import atexit
import getpass
import os

from st2lite.runtime import Runtime

_RUNTIMES = []


def runtime_for(args):
    runtime = Runtime(args.packs, args.state)
    runtime.reap_abandoned()
    # Work started in the background (policy retries, rule actions) finishes before we exit.
    atexit.register(runtime.wait_background)
    _RUNTIMES.append(runtime)
    return runtime


def finish_background_work():
    """Wait for the work the command's runtimes started in the background. main() calls it as
    the command ends, before the exit handlers: those run the last registered first, and the
    fork servers register theirs when first used, so they would stop, killing a python action
    a rule started on an action's end (core.st2.generic.actiontrigger), before the wait."""
    for runtime in _RUNTIMES:
        runtime.wait_background()


def current_user(args):
    return getattr(args, "user", None) or os.environ.get("ST2LITE_USER") or _login_name()


def _login_name():
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "stanley"


# As `st2 run`: a workflow paused on an inquiry, or the inquiry itself, did what it should.
EXIT_FOR_STATUS = {"succeeded": 0, "paused": 0, "pending": 0}


def exit_code(execution):
    return EXIT_FOR_STATUS.get(execution["status"], 1)
