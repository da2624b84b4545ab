"""`st2lite`: the command line, following the `st2` CLI (DESIGN.md section 2)."""

import argparse
import logging
import os
import sys
import traceback

from st2lite.cli import (
    commands_actions,
    commands_aliases,
    commands_announcements,
    commands_credentials,
    commands_inquiries,
    commands_keys,
    commands_packs,
    commands_serve,
    commands_triggers,
)
from st2lite.cli.context import finish_background_work
from st2lite.cli.defaults import default_packs, default_state
from st2lite.cli.errors import USER_ERRORS, UsageError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError("%s (see `%s --help`)" % (message, self.prog))


def build_parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--packs",
        action="append",
        default=argparse.SUPPRESS,
        help="pack directory (repeatable); default ./packs plus $ST2LITE_PACKS_PATH",
    )
    common.add_argument(
        "--state",
        default=argparse.SUPPRESS,
        help="state directory; default $ST2LITE_STATE or ~/.local/state/st2lite",
    )
    parser = _Parser(
        prog="st2lite",
        parents=[common],
        description="A single-machine, StackStorm-compatible runtime.",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for module in (
        commands_actions,
        commands_aliases,
        commands_keys,
        commands_triggers,
        commands_packs,
        commands_serve,
        commands_inquiries,
        commands_credentials,
        commands_announcements,
    ):
        module.register(sub, common)
    return parser


def main(argv=None):
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return EXIT_BAD_INPUT
        args.packs = getattr(args, "packs", None) or default_packs()
        args.state = os.path.abspath(
            os.path.expanduser(getattr(args, "state", None) or default_state())
        )
        os.environ["ST2LITE_STATE"] = args.state
        try:
            return args.handler(args)
        finally:
            finish_background_work()
    except USER_ERRORS as e:
        sys.stderr.write("st2lite: %s\n" % e)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("st2lite: interrupted\n")
        return 130
    except Exception as e:  # never a traceback on the terminal: it goes to the log file
        log_path = _log_crash()
        sys.stderr.write(
            "st2lite: internal error: %s: %s (details in %s)\n" % (type(e).__name__, e, log_path)
        )
        return 1


def _log_crash():
    state = os.environ.get("ST2LITE_STATE") or os.path.expanduser("~/.local/state/st2lite")
    log_dir = os.path.join(state, "logs")
    try:
        os.makedirs(log_dir, exist_ok=True)
        path = os.path.join(log_dir, "st2lite.log")
        with open(path, "a") as f:
            f.write(traceback.format_exc())
        return path
    except OSError:
        return "(no log: %s not writable)" % log_dir


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main())
