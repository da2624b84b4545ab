"""What list endpoints share: paging, `X-Total-Count`, attribute selection, lookups by ref or id."""

import datetime

from st2lite.api.errors import bad_request, not_found
from st2lite.api.http import json_response

DEFAULT_LIMIT = 100  # StackStorm's api.max_page_size


def paging(request):
    """(offset, limit or None for all): `limit=-1` is every record, as for an admin."""
    offset = request.integer("offset", 0)
    limit = request.integer("limit", DEFAULT_LIMIT)
    if offset < 0:
        raise bad_request("Offset must be a positive integer, got %d" % offset)
    if limit == -1 or limit == 0:
        return offset, None
    if limit < 0:
        raise bad_request('Limit, "%d" specified, must be a positive number.' % limit)
    return offset, limit


def list_response(request, items, total=None, already_paged=False):
    """A JSON list with StackStorm's paging headers and attribute selection."""
    offset, limit = paging(request)
    total = len(items) if total is None else total
    if not already_paged:
        items = items[offset:] if limit is None else items[offset : offset + limit]
    headers = [("X-Total-Count", str(total)), ("X-Limit", str(limit or total))]
    return json_response([select_attributes(request, item) for item in items], headers=headers)


def select_attributes(request, item):
    """`include_attributes=a,b.c` keeps those (and `id`); `exclude_attributes` drops them."""
    include = _names(request.query.get("include_attributes"))
    exclude = _names(request.query.get("exclude_attributes"))
    if include:
        item = keep_attributes(item, include + ["id"])
    for path in exclude:
        _drop_path(item, path.split("."))
    return item


def keep_attributes(item, paths):
    """Only the given dotted paths of item (`action.ref`)."""
    kept = {}
    for path in paths:
        _copy_path(item, kept, path.split("."))
    return kept


def _names(text):
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def _copy_path(source, target, parts):
    if not isinstance(source, dict) or parts[0] not in source:
        return
    if len(parts) == 1:
        target[parts[0]] = source[parts[0]]
        return
    child = target.setdefault(parts[0], {})
    if isinstance(child, dict):
        _copy_path(source[parts[0]], child, parts[1:])


def _drop_path(item, parts):
    if not isinstance(item, dict):
        return
    if len(parts) == 1:
        item.pop(parts[0], None)
    elif parts[0] in item:
        _drop_path(item[parts[0]], parts[1:])


def find_by_ref_or_id(items, ref_or_id, kind):
    for item in items:
        if ref_or_id in (item.get("ref"), item.get("id"), item.get("name")):
            return item
    raise not_found('%s with ref or id "%s" not found' % (kind, ref_or_id))


def filter_by(request, items, *names):
    """Keep items whose field equals each given query parameter (pack=, name=, ...)."""
    for name in names:
        value = request.query.get(name)
        if value is not None:
            items = [item for item in items if str(item.get(name)) == value]
    return items


def timestamp_filter(request, name):
    """An ISO time query parameter as the history stores times (UTC, microseconds, Z); 400
    when it is not one."""
    text = request.query.get(name)
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError as error:
        raise bad_request(
            "Invalid value %r for %s: use an ISO 8601 time like 2024-05-01T12:00:00Z" % (text, name)
        ) from error
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
