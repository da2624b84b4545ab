"""`st2lite user add NAME --password PW` and `st2lite apikey create [--json]`: credentials for
`st2lite serve`'s API (Basic auth on `POST /auth/v1/tokens`; the `St2-Api-Key` header)."""

from st2lite.cli.context import current_user
from st2lite.cli.errors import UsageError
from st2lite.cli.output import print_json


def register(sub, common):
    user = sub.add_parser("user", parents=[common], help="API users (htpasswd in the state dir)")
    user_verbs = user.add_subparsers(dest="verb")
    add = user_verbs.add_parser("add", parents=[common], help="add a user or set its password")
    add.add_argument("name")
    add.add_argument("--password", required=True)
    add.set_defaults(handler=cmd_user_add)

    apikey = sub.add_parser("apikey", parents=[common], help="API keys")
    key_verbs = apikey.add_subparsers(dest="verb")
    create = key_verbs.add_parser("create", parents=[common], help="create an API key")
    create.add_argument(
        "--user", help="the account the key acts as; default $ST2LITE_USER or the login name"
    )
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=cmd_apikey_create)


def cmd_user_add(args):
    from st2lite.api import htpasswd

    path = htpasswd.path_in(args.state)
    try:
        htpasswd.add_user(path, args.name, args.password)
    except htpasswd.HtpasswdError as e:
        raise UsageError(str(e)) from e
    print('user "%s" can now log in (st2 login %s); users are in %s' % (args.name, args.name, path))
    return 0


def cmd_apikey_create(args):
    from st2lite.store.credentials import CredentialStore
    from st2lite.store.db import Database

    key = CredentialStore(Database(args.state)).create_api_key(current_user(args))
    if args.json:
        print_json(key)
    else:
        print(key["key"])
    return 0
