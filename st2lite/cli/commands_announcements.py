"""`st2lite announcement list [--route R] [-n N] [--json]`: what chatops.post_message and the
announcement runner published (newest first), and whether a listener of the route took it."""

from st2lite import announcements
from st2lite.cli.errors import UsageError
from st2lite.cli.output import print_json, print_table
from st2lite.store.db import Database

COLUMNS = ["id", "route", "created_at", "channel", "user", "message", "delivered_at"]
MESSAGE_WIDTH = 60


def register(sub, common):
    announcement = sub.add_parser(
        "announcement", parents=[common], help="announcements for chat bots (chatops.post_message)"
    )
    verbs = announcement.add_subparsers(dest="verb")
    listing = verbs.add_parser("list", parents=[common])
    listing.add_argument("--route", help="only this route, e.g. chatops or errbot")
    listing.add_argument("-n", type=int, default=50, help="how many, newest first (default 50)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)


def cmd_list(args):
    if args.n < 1:
        raise UsageError("-n must be at least 1, got %d" % args.n)
    rows = announcements.recent(Database(args.state), route=args.route, limit=args.n)
    if args.json:
        print_json(rows)
    else:
        print_table([_row(a) for a in rows], COLUMNS)
    return 0


def _row(announcement):
    payload = announcement["payload"] or {}
    message = " ".join(str(payload.get("message") or "").split())
    if len(message) > MESSAGE_WIDTH:
        message = message[: MESSAGE_WIDTH - 3] + "..."
    return dict(
        announcement,
        channel=payload.get("channel") or "",
        user=payload.get("user") or "",
        message=message,
        delivered_at=announcement["delivered_at"] or "",
    )
