"""`st2lite key list|get|set|delete`: the datastore, as `st2 key` manages it."""

from st2lite.cli.context import runtime_for
from st2lite.cli.errors import UsageError
from st2lite.cli.output import print_json, print_table


def register(sub, common):
    key = sub.add_parser("key", parents=[common], help="datastore keys")
    verbs = key.add_subparsers(dest="verb")
    listing = verbs.add_parser("list", parents=[common])
    listing.add_argument("--prefix")
    _scope_options(listing)
    listing.add_argument("--decrypt", action="store_true")
    listing.set_defaults(handler=cmd_list)
    get = verbs.add_parser("get", parents=[common])
    get.add_argument("name")
    _scope_options(get)
    get.add_argument("--decrypt", action="store_true")
    get.set_defaults(handler=cmd_get)
    put = verbs.add_parser("set", parents=[common])
    put.add_argument("name")
    put.add_argument("value")
    _scope_options(put)
    put.add_argument("--encrypt", "-e", action="store_true")
    put.add_argument("--ttl", "-l", type=int)
    put.set_defaults(handler=cmd_set)
    delete = verbs.add_parser("delete", parents=[common])
    delete.add_argument("name")
    _scope_options(delete)
    delete.set_defaults(handler=cmd_delete)


def _scope_options(parser):
    parser.add_argument("--scope", "-s", default="system")
    parser.add_argument("--json", action="store_true")


def cmd_list(args):
    pairs = runtime_for(args).datastore.list(
        prefix=args.prefix, scope=args.scope, decrypt=args.decrypt
    )
    rows = [p.as_dict() for p in pairs]
    if args.json:
        print_json(rows)
    else:
        print_table(rows, ["name", "value", "secret", "scope", "expire_timestamp"])
    return 0


def cmd_get(args):
    pair = runtime_for(args).datastore.get_pair(args.name, scope=args.scope, decrypt=args.decrypt)
    if pair is None:
        raise UsageError(
            'key "%s" does not exist in scope %s: see `st2lite key list`' % (args.name, args.scope)
        )
    if args.json:
        print_json(pair.as_dict())
    else:
        print_table([pair.as_dict()], ["name", "value", "secret", "scope", "expire_timestamp"])
    return 0


def cmd_set(args):
    pair = runtime_for(args).datastore.set(
        args.name, args.value, scope=args.scope, ttl=args.ttl, encrypt=args.encrypt
    )
    if args.json:
        print_json(pair.as_dict())
    else:
        print_table([pair.as_dict()], ["name", "value", "secret", "scope", "expire_timestamp"])
    return 0


def cmd_delete(args):
    if not runtime_for(args).datastore.delete(args.name, scope=args.scope):
        raise UsageError('key "%s" does not exist in scope %s' % (args.name, args.scope))
    if args.json:
        print_json({"deleted": args.name})
    else:
        print('Resource with id "%s" has been successfully deleted.' % args.name)
    return 0
