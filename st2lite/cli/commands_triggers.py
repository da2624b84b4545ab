"""`st2lite trigger fire`, `trigger-instance list`, `rule-enforcement list`."""

import json

from st2lite.cli.context import runtime_for
from st2lite.cli.errors import UsageError
from st2lite.cli.output import print_json, print_table


def register(sub, common):
    trigger = sub.add_parser("trigger", parents=[common], help="trigger types")
    verbs = trigger.add_subparsers(dest="verb")
    fire = verbs.add_parser("fire", parents=[common])
    fire.add_argument("ref")
    fire.add_argument("--payload", default="{}")
    fire.add_argument("--json", action="store_true")
    fire.set_defaults(handler=cmd_fire)
    listing = verbs.add_parser("list", parents=[common])
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_trigger_list)

    instances = sub.add_parser("trigger-instance", parents=[common])
    verbs = instances.add_subparsers(dest="verb")
    listing = verbs.add_parser("list", parents=[common])
    listing.add_argument("--trigger")
    listing.add_argument("-n", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_instances)

    enforcements = sub.add_parser("rule-enforcement", parents=[common])
    verbs = enforcements.add_subparsers(dest="verb")
    listing = verbs.add_parser("list", parents=[common])
    listing.add_argument("--rule")
    listing.add_argument("-n", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_enforcements)


def cmd_fire(args):
    try:
        payload = json.loads(args.payload)
    except ValueError as e:
        raise UsageError(
            '--payload is not valid JSON (%s): write it like \'{"key": "value"}\'' % e
        ) from e
    if not isinstance(payload, dict):
        raise UsageError("--payload must be a JSON object")
    fired = runtime_for(args).fire_trigger(args.ref, payload, wait=True)
    if args.json:
        print_json(
            {
                "trigger_instance": fired["trigger_instance"],
                "enforcements": [
                    dict((k, e[k]) for k in ("rule", "status", "execution", "failure_reason"))
                    for e in fired["enforcements"]
                ],
            }
        )
    else:
        print("trigger instance: %s" % fired["trigger_instance"])
        print_table(fired["enforcements"], ["rule", "status", "execution", "failure_reason"])
    return 0


def cmd_trigger_list(args):
    rows = [
        {"ref": ref, "description": t.get("description", "")}
        for ref, t in sorted(runtime_for(args).content.trigger_types.items())
    ]
    print_json(rows) if args.json else print_table(rows, ["ref", "description"])
    return 0


def cmd_instances(args):
    rows = runtime_for(args).triggers.instances(trigger=args.trigger, limit=args.n)
    if args.json:
        print_json(
            [dict((k, r[k]) for k in ("id", "trigger", "payload", "occurrence_time")) for r in rows]
        )
    else:
        print_table(rows, ["id", "trigger", "occurrence_time", "status"])
    return 0


def cmd_enforcements(args):
    rows = runtime_for(args).triggers.enforcements(rule=args.rule, limit=args.n)
    if args.json:
        print_json(rows)
    else:
        print_table(rows, ["id", "rule", "trigger_instance", "execution", "status", "enforced_at"])
    return 0
