"""`st2lite run` and `st2lite execution list|get|re-run|tail` (cancel|pause|resume:
commands_control)."""

import json
import subprocess
import sys

from st2lite import params as parameters_mod
from st2lite.cli import commands_control, live, tail
from st2lite.cli.context import current_user, exit_code, runtime_for
from st2lite.cli.errors import UsageError
from st2lite.cli.output import execution_for_output, print_execution, print_json, print_table


def register(sub, common):
    run = sub.add_parser("run", parents=[common], help="run an action or workflow")
    run.add_argument("ref")
    run.add_argument("parameters", nargs="*", metavar="key=value")
    run.add_argument("--json", action="store_true")
    run.add_argument("--async", dest="run_async", action="store_true")
    run.add_argument("--user")
    run.set_defaults(handler=cmd_run)

    execution = sub.add_parser("execution", parents=[common], help="execution history")
    verbs = execution.add_subparsers(dest="verb")
    listing = verbs.add_parser("list", parents=[common])
    listing.add_argument("--action")
    listing.add_argument("--status")
    listing.add_argument("-n", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)
    get = verbs.add_parser("get", parents=[common])
    get.add_argument("id")
    get.add_argument("--json", action="store_true")
    get.set_defaults(handler=cmd_get)
    rerun = verbs.add_parser("re-run", parents=[common])
    rerun.add_argument("id")
    rerun.add_argument("parameters", nargs="*", metavar="key=value")
    rerun.add_argument("--json", action="store_true")
    rerun.add_argument("--user")
    rerun.set_defaults(handler=cmd_rerun)
    tail = verbs.add_parser("tail", parents=[common])
    tail.add_argument("id")
    tail.add_argument("--timeout", type=float, default=3600)
    tail.set_defaults(handler=cmd_tail)
    commands_control.register_verbs(verbs, common)

    worker = sub.add_parser("_execute", parents=[common])
    worker.add_argument("id")
    worker.set_defaults(handler=cmd_worker)


def cmd_run(args):
    runtime = runtime_for(args)
    action = runtime.action(args.ref)
    given = parameters_mod.parse_cli_pairs(parameters_mod.action_schema(action), args.parameters)
    return _start(args, runtime, args.ref, given, {"user": current_user(args)})


def _start(args, runtime, ref, given, context):
    execution_id, action, given = runtime.request(ref, given, context)
    if getattr(args, "run_async", False):
        _spawn_worker(args, execution_id, given)
        execution = runtime.executions.get(execution_id)
        if args.json:
            print_json(execution_for_output(execution))
        else:
            print("To get the results, execute:\n st2lite execution get %s" % execution_id)
        return 0
    if args.json:
        execution = runtime.run_requested(execution_id, action, given)
    else:
        execution = live.run_with_progress(
            runtime, execution_id, action, given, tty=sys.stdout.isatty()
        )
    if args.json:
        print_json(execution_for_output(execution))
    else:
        print_execution(execution)
    return exit_code(execution)


def _spawn_worker(args, execution_id, given):
    argv = [sys.executable, "-m", "st2lite.cli.main", "--state", args.state]
    for path in args.packs:
        argv += ["--packs", path]
    proc = subprocess.Popen(
        argv + ["_execute", execution_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    proc.stdin.write(json.dumps(given).encode())
    proc.stdin.close()


def cmd_worker(args):
    given = json.loads(sys.stdin.read() or "{}")
    runtime = runtime_for(args)
    record = runtime.executions.get(args.id, with_children=False)
    runtime.run_requested(args.id, runtime.action(record["action"]), given)
    return 0


def cmd_list(args):
    runtime = runtime_for(args)
    rows = runtime.executions.list(action=args.action, status=args.status, limit=args.n)
    if args.json:
        print_json([execution_for_output(r) for r in rows])
        return 0
    print_table(
        [
            {
                "id": r["id"],
                "action.ref": r["action"],
                "context.user": (r["context"] or {}).get("user"),
                "status": r["status"],
                "start_timestamp": r["start_timestamp"],
            }
            for r in rows
        ],
        ["id", "action.ref", "context.user", "status", "start_timestamp"],
    )
    return 0


def cmd_get(args):
    execution = runtime_for(args).executions.get(args.id)
    if args.json:
        print_json(execution_for_output(execution))
    else:
        print_execution(execution)
    return 0


def cmd_rerun(args):
    runtime = runtime_for(args)
    previous = runtime.executions.get(args.id, with_children=False)
    action = runtime.action(previous["action"])
    schema = parameters_mod.action_schema(action)
    masked = [
        n
        for n in parameters_mod.secret_names(schema)
        if previous["parameters"].get(n) == parameters_mod.MASK
    ]
    given = dict((k, v) for k, v in previous["parameters"].items() if k not in masked)
    given.update(parameters_mod.parse_cli_pairs(schema, args.parameters))
    missing = [n for n in masked if n not in given]
    if missing:
        raise UsageError(
            "the secret parameters %s are not kept in the history: give them again as "
            "%s" % (", ".join(missing), " ".join("%s=..." % m for m in missing))
        )
    context = {"user": current_user(args), "re-run": {"ref": previous["id"]}}
    return _start(args, runtime, previous["action"], given, context)


def cmd_tail(args):
    execution = tail.follow(runtime_for(args), args.id, args.timeout)
    print("execution %s %s" % (execution["id"], execution["status"]))
    return exit_code(execution)
