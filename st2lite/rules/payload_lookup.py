"""Criteria keys as StackStorm reads them: JSONPath (`trigger.a.b`, `trigger.list[0]`,
`trigger.tasks[*].host`, `trigger.*`, `trigger..x`) evaluated against {"trigger": payload}.

The semantics follow jsonpath_rw, which StackStorm uses: a missing field is no match, but an
index into a dict or a number is an error (the rule then fails with a reason)."""

import re
from functools import lru_cache

__all__ = ["PayloadLookup", "parse_path", "PathSyntaxError"]


class PathSyntaxError(ValueError):
    """A criteria key that is not a JSONPath expression."""


_TOKEN = re.compile(
    r"""
      (?P<root>\$)
    | (?P<dots>\.\.?)
    | (?P<bracket>\[[^\]]*\])
    | (?P<quoted>'[^']*'|"[^"]*")
    | (?P<star>\*)
    | (?P<name>[A-Za-z0-9_@\-]+)
    | (?P<space>\s+)
""",
    re.VERBOSE,
)

_SLICE = re.compile(r"^\s*(-?\d*)\s*:\s*(-?\d*)\s*$")


@lru_cache(maxsize=4096)
def parse_path(key):
    """Compile a criteria key into a tuple of steps; cached, as rules are evaluated often."""
    steps, position, descend, expect_name = [], 0, False, True
    while position < len(key):
        match = _TOKEN.match(key, position)
        if not match:
            raise PathSyntaxError(
                "unexpected %r at position %d in %r" % (key[position], position, key)
            )
        position = match.end()
        kind, text = match.lastgroup, match.group()
        if kind == "space":
            continue
        if kind == "root":
            if match.start() != 0:
                raise PathSyntaxError("'$' may only start the path in %r" % key)
            expect_name = False  # "$" names the root, which every path starts from anyway
            continue
        if kind == "dots":
            if expect_name:
                raise PathSyntaxError("a name is missing before %r in %r" % (text, key))
            descend, expect_name = text == "..", True
            continue
        if kind == "bracket":
            step = _bracket_step(text[1:-1], key)
        elif not expect_name:
            raise PathSyntaxError("a '.' is missing before %r in %r" % (text, key))
        elif kind == "star":
            step = ("any_field",)
        elif kind == "quoted":
            step = ("field", text[1:-1])
        else:
            step = ("field", text)
        steps.append(("descend", step) if descend else step)
        descend, expect_name = False, False
    if expect_name:
        raise PathSyntaxError("%r ends where a name is expected" % key)
    return tuple(steps)


def _bracket_step(inner, key):
    inner = inner.strip()
    if inner == "*":
        return ("slice", None, None)
    if re.match(r"^-?\d+$", inner):
        return ("index", int(inner))
    slice_match = _SLICE.match(inner)
    if slice_match:
        start, end = (int(x) if x else None for x in slice_match.groups())
        return ("slice", start, end)
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
        return ("field", inner[1:-1])
    raise PathSyntaxError("[%s] is not an index, a slice or [*] in %r" % (inner, key))


def _children(value):
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    return []


def _apply(step, value):
    """All values one step yields from value; raises where jsonpath_rw raises."""
    kind = step[0]
    if kind == "field":
        try:
            return [value[step[1]]]
        except (TypeError, KeyError, AttributeError, IndexError):
            return []
    if kind == "any_field":
        return list(value.values()) if isinstance(value, dict) else []
    if kind == "index":
        index = step[1]
        # jsonpath_rw: an empty or falsy value has no element; a dict or a number raises.
        if value and len(value) > index:
            return [value[index]]
        return []
    if kind == "slice":
        if isinstance(value, (dict, int, str)):
            value = [value]
        positions = range(len(value))
        if step[1] is not None or step[2] is not None:
            positions = positions[step[1] : step[2]]
        return [value[i] for i in positions]
    if kind == "descend":
        return _descend(step[1], value)
    raise AssertionError(kind)


def _descend(step, value):
    found = list(_apply(step, value))
    for child in _children(value):
        found.extend(_descend(step, child))
    return found


def find_all(steps, context):
    values = [context]
    for step in steps:
        next_values = []
        for value in values:
            next_values.extend(_apply(step, value))
        values = next_values
    return values


class PayloadLookup(object):
    """Looks criteria keys up in {prefix: payload} ("trigger", or "item" inside `search`)."""

    def __init__(self, payload, prefix="trigger", extra_context=None):
        self.context = dict(extra_context or {})
        self.context[prefix] = payload

    def get_value(self, key):
        """The list of matching values, or None when nothing matches (as StackStorm's)."""
        matches = find_all(parse_path(key), self.context)
        return matches or None
