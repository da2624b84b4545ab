"""The functions workflow expressions call: orquesta's own (ctx, result, item, task status...) and
the ones StackStorm adds (st2kv, JSON/YAML helpers, regex helpers...).

Functions whose first parameter is `scope` receive the evaluation Scope; the others are plain.
"""

import json
import re

import yaml

from st2lite.orquesta import statuses
from st2lite.orquesta.errors import ExpressionError, VariableUndefinedError

_NO_DEFAULT = object()


def _current_task(scope):
    if not scope.current_task:
        raise ExpressionError("The current task is not set in the context.")
    return scope.current_task


def ctx_(scope, key=None):
    if key is None:
        return scope.vars
    if key not in scope.vars:
        raise VariableUndefinedError(key)
    return scope.vars[key]


def task_status_(scope, task_id):
    if scope.state is None:
        return statuses.UNSET
    route = (scope.current_task or {}).get("route", 0)
    return scope.state.task_status(task_id, route)


def task_(scope, task_id=None, route=None):
    """StackStorm's task(): the named (else the current) task's id, route, status and result."""
    current = scope.current_task or {}
    task_id = task_id or current.get("id")
    route = current.get("route", 0) if route is None else route
    entry = scope.state.visible_entry(task_id, route) if scope.state and task_id else None
    if entry is None:
        raise ExpressionError('Unable to find task execution for "%s".' % task_id)
    return {
        "task_id": entry["id"],
        "task_name": entry["id"],
        "route": entry["route"],
        "status": entry.get("status"),
        "result": entry.get("result"),
    }


def succeeded_(scope):
    task = _current_task(scope)
    return scope.state.task_status(task["id"], task["route"]) == statuses.SUCCEEDED


def failed_(scope):
    task = _current_task(scope)
    return scope.state.task_status(task["id"], task["route"]) == statuses.FAILED


def completed_(scope):
    task = _current_task(scope)
    return scope.state.task_status(task["id"], task["route"]) in statuses.COMPLETED


def result_(scope):
    return _current_task(scope).get("result")


def item_(scope, key=None):
    item = scope.current_item
    if not key:
        return item
    if not isinstance(item, dict):
        raise ExpressionError("Item is not type of collections.Mapping.")
    if key not in item:
        raise ExpressionError('Item does not have key "%s".' % key)
    return item[key]


def st2kv_(scope, key, decrypt=False, default=_NO_DEFAULT):
    if not isinstance(key, str):
        raise TypeError("Given key is not typeof string.")
    if not isinstance(decrypt, bool):
        raise TypeError("Decrypt parameter is not typeof bool.")
    if scope.kv_get is None:
        raise ExpressionError("The datastore is not available to this workflow.")
    try:
        return scope.kv_get(key, decrypt)
    except KeyError as error:
        if default is _NO_DEFAULT:
            raise ExpressionError(
                'The key "%s" does not exist in the StackStorm datastore.' % key
            ) from error
        return default


def json_(value):
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise TypeError("Given object is not typeof string.")
    return json.loads(value)


def zip_(*args, pad=None):
    lists = [list() if arg is None else list(arg) for arg in args]
    if len(lists) == 1:
        return lists[0]
    longest = max(len(x) for x in lists) if lists else 0
    return [[x[i] if i < len(x) else pad for x in lists] for i in range(longest)]


def to_json_string(value, indent=None, sort_keys=False, separators=(",", ":")):
    return json.dumps(value, indent=indent, sort_keys=sort_keys, separators=tuple(separators))


def from_json_string(value):
    return json.loads(value)


def to_yaml_string(value, indent=None, allow_unicode=True):
    return yaml.safe_dump(
        value, indent=indent, allow_unicode=allow_unicode, default_flow_style=False
    )


def from_yaml_string(value):
    return yaml.safe_load(value)


def use_none(value):
    return "%*****__%NONE%__*****%" if value is None else value


def regex_match(value, pattern, ignorecase=False):
    flags = re.IGNORECASE if ignorecase else 0
    return re.match(pattern, value, flags) is not None


def regex_search(value, pattern, ignorecase=False):
    flags = re.IGNORECASE if ignorecase else 0
    return re.search(pattern, value, flags) is not None


def regex_replace(value, pattern, replacement, ignorecase=False):
    flags = re.IGNORECASE if ignorecase else 0
    return re.sub(pattern, replacement, value, flags=flags)


def regex_substring(value, pattern, result_index=0, ignorecase=False):
    flags = re.IGNORECASE if ignorecase else 0
    return re.findall(pattern, value, flags)[result_index]


def json_escape(value):
    """The text `value` escaped to sit inside a JSON string."""
    return json.dumps(value)[1:-1]


def to_human_time_from_seconds(seconds):
    """Seconds as StackStorm shows them: "1h2m3s", "4m", "12s"."""
    seconds = int(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append("%d%s" % (seconds // size, unit))
            seconds %= size
    if seconds or not parts:
        parts.append("%ds" % seconds)
    return "".join(parts)


# name -> (function, needs the scope)
CATALOG = {
    "ctx": (ctx_, True),
    "task_status": (task_status_, True),
    "task": (task_, True),
    "succeeded": (succeeded_, True),
    "failed": (failed_, True),
    "completed": (completed_, True),
    "result": (result_, True),
    "item": (item_, True),
    "st2kv": (st2kv_, True),
    "json": (json_, False),
    "zip": (zip_, False),
    "to_json_string": (to_json_string, False),
    "json_dump": (to_json_string, False),
    "to_complex": (to_json_string, False),
    "json_escape": (json_escape, False),
    "to_human_time_from_seconds": (to_human_time_from_seconds, False),
    "from_json_string": (from_json_string, False),
    "json_parse": (from_json_string, False),
    "to_yaml_string": (to_yaml_string, False),
    "yaml_dump": (to_yaml_string, False),
    "from_yaml_string": (from_yaml_string, False),
    "yaml_parse": (from_yaml_string, False),
    "use_none": (use_none, False),
    "regex_match": (regex_match, False),
    "regex_search": (regex_search, False),
    "regex_replace": (regex_replace, False),
    "regex_substring": (regex_substring, False),
}
