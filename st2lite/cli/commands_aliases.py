"""`st2lite action-alias match|execute|list`: chat commands as StackStorm resolves them."""

import sys

from st2lite import params as parameters_mod
from st2lite.cli.context import current_user, exit_code, runtime_for
from st2lite.cli.output import execution_for_output, print_json, print_table
from st2lite.runtime import RuntimeError_

EXIT_BAD_INPUT = 2


def register(sub, common):
    alias = sub.add_parser("action-alias", parents=[common], help="chat command aliases")
    verbs = alias.add_subparsers(dest="verb")
    match = verbs.add_parser("match", parents=[common])
    match.add_argument("text")
    match.add_argument("--json", action="store_true")
    match.set_defaults(handler=cmd_match)
    execute = verbs.add_parser("execute", parents=[common])
    execute.add_argument("text")
    execute.add_argument("--user")
    execute.add_argument("--channel", default="cli")
    execute.add_argument("--json", action="store_true")
    execute.set_defaults(handler=cmd_execute)
    listing = verbs.add_parser("list", parents=[common])
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)


def _match(runtime, text, as_json):
    """The AliasMatch, or None after printing why nothing (or too much) matched."""
    from st2lite.aliases import AmbiguousMatch, NoMatch, match_command

    try:
        return match_command(runtime.content.aliases, text)
    except (NoMatch, AmbiguousMatch) as e:
        kind = "ambiguous" if isinstance(e, AmbiguousMatch) else "no match"
        if as_json:
            print_json({"error": kind, "message": e.message, "candidates": e.candidates})
        else:
            sys.stderr.write("st2lite: %s\n" % e.message)
        return None


def cmd_match(args):
    runtime = runtime_for(args)
    match = _match(runtime, args.text, args.json)
    if match is None:
        return EXIT_BAD_INPUT
    answer = {
        "alias": match.ref,
        "representation": match.representation,
        "parameters": match.parameters,
    }
    if args.json:
        print_json(answer)
    else:
        print("%s (%s)" % (match.ref, match.representation))
        for name, value in sorted(match.parameters.items()):
            print("  %s: %r" % (name, value))
    return 0


def cmd_execute(args):
    from st2lite.aliases import render_ack, render_result

    runtime = runtime_for(args)
    match = _match(runtime, args.text, args.json)
    if match is None:
        return EXIT_BAD_INPUT
    user = current_user(args)
    context = {
        "user": user,
        "api_user": user,
        "source_channel": args.channel,
        "action_alias_ref": match.ref,
    }
    from st2lite.aliases.casting import AliasParameterError, cast_alias_parameters

    try:
        action = runtime.action(match.alias["action_ref"])
        given = cast_alias_parameters(match.parameters, parameters_mod.action_schema(action))
        execution_id, action, given = runtime.request(action["ref"], given, context)
    except (RuntimeError_, AliasParameterError) as e:
        if args.json:
            print_json({"error": "bad parameters", "message": str(e), "candidates": []})
            return EXIT_BAD_INPUT
        raise
    pending = runtime.executions.get(execution_id)
    ack = render_ack(match.alias, match, pending, user)
    if ack and not args.json:
        print(ack)
        sys.stdout.flush()
    execution = runtime.run_requested(execution_id, action, given)
    result = render_result(match.alias, match, execution, user)
    if args.json:
        print_json({"ack": ack, "result": result, "execution": execution_for_output(execution)})
    elif result:
        print(result)
    return exit_code(execution)


def cmd_list(args):
    from st2lite.aliases import list_commands

    rows = list_commands(runtime_for(args).content.aliases)
    if args.json:
        print_json(rows)
    else:
        print_table(rows, ["ref", "display", "description"])
    return 0
