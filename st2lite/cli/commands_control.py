"""`st2lite execution cancel|pause|resume ID...`, as `st2 execution cancel|pause|resume`: the
request is recorded and the st2lite process running the execution acts on it (any process:
`serve`, a `st2lite run` in another terminal). Exit 0 when every request was taken, 2 when one
was refused (its reason on stderr)."""

import sys

from st2lite import execution_control
from st2lite.cli.context import current_user, runtime_for
from st2lite.cli.output import execution_for_output, print_json
from st2lite.inquiries import in_own_process
from st2lite.store.executions import ExecutionNotFound


def register_verbs(verbs, common):
    for verb, handler, text in (
        ("cancel", cmd_cancel, "cancel executions"),
        ("pause", cmd_pause, "pause workflow executions"),
        ("resume", cmd_resume, "resume paused workflow executions"),
    ):
        parser = verbs.add_parser(verb, parents=[common], help=text)
        parser.add_argument("ids", nargs="+", metavar="id")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--user")
        parser.set_defaults(handler=handler)


def cmd_cancel(args):
    def cancel(runtime, execution_id, user):
        execution = execution_control.request_cancellation(runtime, execution_id, user)
        return execution, "execution with id %s canceled." % execution["id"]

    return _each(args, cancel)


def cmd_pause(args):
    def pause(runtime, execution_id, user):
        execution = execution_control.request_pause(runtime, execution_id, user)
        return execution, "execution with id %s %s." % (execution["id"], execution["status"])

    return _each(args, pause)


def cmd_resume(args):
    def resume(runtime, execution_id, user):
        execution = execution_control.request_resume(
            runtime, execution_id, user, in_own_process(runtime)
        )
        return execution, "execution with id %s %s." % (execution["id"], execution["status"])

    return _each(args, resume)


def _each(args, request):
    runtime = runtime_for(args)
    user = current_user(args)
    code, done = 0, []
    for execution_id in args.ids:
        try:
            execution, message = request(runtime, execution_id, user)
        except (
            ExecutionNotFound,
            execution_control.NotCancelable,
            execution_control.ControlRefused,
        ) as e:
            print("st2lite: %s: %s" % (execution_id, e), file=sys.stderr)
            code = 2
            continue
        done.append(execution)
        if not args.json:
            print(message)
    if args.json:
        print_json([execution_for_output(e) for e in done])
    return code
