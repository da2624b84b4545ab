"""Shared helpers of the CLI commands: the runtime for the parsed options, the current user."""
import atexit
import getpass
import os

from st2lite.runtime import Runtime


def runtime_for(args):
    runtime = Runtime(args.packs, args.state)
    runtime.reap_abandoned()
    # Work started in the background (policy retries, rule actions) finishes before we exit.
    atexit.register(runtime.wait_background)
    return runtime


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
