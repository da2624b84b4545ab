"""`st2lite inquiry list|get|respond`, as `st2 inquiry` shows them; `_resume` is the detached
process that goes on with a paused workflow once an inquiry of it is answered."""

import json

from st2lite.cli.context import current_user, runtime_for
from st2lite.cli.errors import UsageError
from st2lite.cli.output import print_json, print_table, print_yaml_block
from st2lite.inquiries import InquiryError, InquiryService, in_own_process

LIST_COLUMNS = ["id", "roles", "users", "route", "ttl"]
GET_FIELDS = ["id", "roles", "users", "route", "ttl", "schema"]


def register(sub, common):
    inquiry = sub.add_parser(
        "inquiry", parents=[common], help="inquiries (core.ask) waiting for a response"
    )
    verbs = inquiry.add_subparsers(dest="verb")
    listing = verbs.add_parser("list", parents=[common])
    listing.add_argument("-n", "--last", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)
    get = verbs.add_parser("get", parents=[common])
    get.add_argument("id")
    get.add_argument("--json", action="store_true")
    get.set_defaults(handler=cmd_get)
    respond = verbs.add_parser("respond", parents=[common])
    respond.add_argument("id")
    respond.add_argument("-r", "--response", help="the whole response as JSON")
    respond.add_argument("--user")
    respond.add_argument("--json", action="store_true")
    respond.set_defaults(handler=cmd_respond)

    resume = sub.add_parser("_resume", parents=[common])
    resume.add_argument("id")
    resume.set_defaults(handler=cmd_resume)


def _service(args):
    runtime = runtime_for(args)
    return InquiryService(runtime, in_own_process(runtime))


def cmd_list(args):
    inquiries = _refusals_as_usage(_service(args).list, limit=args.last)
    if args.json:
        print_json(inquiries)
        return 0
    print_table(
        [dict((k, _cell(v)) for k, v in i.items()) for i in reversed(inquiries)], LIST_COLUMNS
    )
    return 0


def cmd_get(args):
    inquiry = _refusals_as_usage(_service(args).get, args.id)
    if args.json:
        print_json(inquiry)
        return 0
    for field in GET_FIELDS:
        if field == "schema":
            print("schema:")
            print_yaml_block(inquiry["schema"] or {})
        else:
            print("%s: %s" % (field, _cell(inquiry[field])))
    return 0


def cmd_respond(args):
    service = _service(args)
    inquiry = _refusals_as_usage(service.get, args.id)
    response = _response(args, inquiry)
    answer = _refusals_as_usage(service.respond, inquiry["id"], response, current_user(args))
    if args.json:
        print_json(answer)
    else:
        print("Response accepted for inquiry %s." % answer["id"])
    return 0


def cmd_resume(args):
    runtime_for(args).resume(args.id)
    return 0


def _response(args, inquiry):
    if args.response is None:
        raise UsageError(
            "give the response as JSON with -r/--response, e.g. st2lite inquiry "
            "respond %s -r '%s' (its schema: st2lite inquiry get %s)"
            % (inquiry["id"], json.dumps(_example(inquiry["schema"])), inquiry["id"])
        )
    try:
        return json.loads(args.response)
    except ValueError as e:
        raise UsageError(
            "the response is not JSON (%s): give it as -r '%s'"
            % (e, json.dumps(_example(inquiry["schema"])))
        ) from e


_EXAMPLES = {"boolean": True, "integer": 1, "number": 1, "string": "...", "array": [], "object": {}}


def _example(schema):
    """A response of the right shape, to show how to give one: the schema's required properties
    (all of them when none is), with a value of each one's type (its default where it has one)."""
    example = {}
    properties = (schema or {}).get("properties") or {}
    required = dict((n, s) for n, s in properties.items() if s.get("required") is True)
    for name, spec in (required or properties).items():
        kind = spec.get("type")
        kind = kind[0] if isinstance(kind, list) and kind else kind
        example[name] = spec.get("default", _EXAMPLES.get(kind, "..."))
    return example


def _refusals_as_usage(function, *args, **kwargs):
    """A refused request is bad input: one line, exit code 2."""
    try:
        return function(*args, **kwargs)
    except InquiryError as e:
        raise UsageError(str(e)) from e


def _cell(value):
    if isinstance(value, (list, dict)):
        return json.dumps(value) if value else ""
    return "" if value is None else value
