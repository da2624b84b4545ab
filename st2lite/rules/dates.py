"""Date text as StackStorm reads it (dateutil's flexible parser), with an ISO-8601 fallback when
python-dateutil is not installed."""

import datetime

__all__ = ["parse_date"]


def parse_date(text):
    """A datetime; naive when the text names no zone. Raises ValueError/TypeError if unreadable."""
    try:
        from dateutil import parser as date_parser
    except ImportError:  # pragma: no cover - dateutil is installed alongside st2lite here
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return date_parser.parse(text)
