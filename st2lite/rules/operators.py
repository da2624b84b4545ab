"""Criteria operators with StackStorm's exact semantics (st2common/operators.py).

Values are compared as Python compares them, with no casting: `5 == "5"` is false, `"qa1" > 3`
raises (and the rule then fails with a reason), a string `inside` pattern is a substring test.
Every operator except `nequals`, `exists` and `nexists` is false when the pattern is None."""

import datetime
import fnmatch
import re
from functools import lru_cache

from st2lite.rules.dates import parse_date

__all__ = [
    "get_operator",
    "OPERATORS",
    "SEARCH",
    "UnknownOperatorError",
    "UnrecognizedConditionError",
]

SEARCH = "search"


class UnknownOperatorError(ValueError):
    pass


class UnrecognizedConditionError(ValueError):
    pass


def _needs_pattern(function):
    def checked(value, criteria_pattern):
        if criteria_pattern is None:
            return False
        return function(value, criteria_pattern)

    checked.__name__ = function.__name__
    return checked


def _as_text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


@lru_cache(maxsize=2048)
def _regex(pattern, flags):
    return re.compile(pattern, flags)


@_needs_pattern
def equals(value, pattern):
    return _as_text(value) == _as_text(pattern)


def nequals(value, criteria_pattern):
    return _as_text(value) != _as_text(criteria_pattern)


@_needs_pattern
def iequals(value, pattern):
    return _as_text(value).lower() == _as_text(pattern).lower()


@_needs_pattern
def contains(value, pattern):
    return _as_text(pattern) in _as_text(value)


@_needs_pattern
def icontains(value, pattern):
    return _as_text(pattern).lower() in _as_text(value).lower()


@_needs_pattern
def ncontains(value, pattern):
    return _as_text(pattern) not in _as_text(value)


@_needs_pattern
def incontains(value, pattern):
    return _as_text(pattern).lower() not in _as_text(value).lower()


@_needs_pattern
def startswith(value, pattern):
    return _as_text(value).startswith(_as_text(pattern))


@_needs_pattern
def istartswith(value, pattern):
    return _as_text(value).lower().startswith(_as_text(pattern).lower())


@_needs_pattern
def endswith(value, pattern):
    return _as_text(value).endswith(_as_text(pattern))


@_needs_pattern
def iendswith(value, pattern):
    return _as_text(value).lower().endswith(_as_text(pattern).lower())


@_needs_pattern
def less_than(value, pattern):
    return value < pattern


@_needs_pattern
def greater_than(value, pattern):
    return value > pattern


@_needs_pattern
def match_wildcard(value, pattern):
    return fnmatch.fnmatch(_as_text(value), _as_text(pattern))


@_needs_pattern
def match_regex(value, pattern):
    # Anchored at the start (re.match), "." also matches newlines: StackStorm's deprecated form.
    return _regex(_as_text(pattern), re.DOTALL).match(_as_text(value)) is not None


@_needs_pattern
def regex(value, pattern):
    return _regex(_as_text(pattern), 0).search(_as_text(value)) is not None


@_needs_pattern
def iregex(value, pattern):
    return _regex(_as_text(pattern), re.IGNORECASE).search(_as_text(value)) is not None


def _parse_date(text):
    parsed = parse_date(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


def _seconds_since(value):
    now = datetime.datetime.now(datetime.timezone.utc)
    return (now - _parse_date(value)).total_seconds()


@_needs_pattern
def timediff_lt(value, pattern):
    return less_than(_seconds_since(value), pattern)


@_needs_pattern
def timediff_gt(value, pattern):
    return greater_than(_seconds_since(value), pattern)


def exists(value, criteria_pattern):
    return value is not None


def nexists(value, criteria_pattern):
    return value is None


@_needs_pattern
def inside(value, pattern):
    return _as_text(value) in _as_text(pattern)


@_needs_pattern
def ninside(value, pattern):
    return _as_text(value) not in _as_text(pattern)


def search(value, criteria_pattern, criteria_condition, check_function):
    """`criteria_pattern` maps `item.*` keys to criteria; check_function(key, criterion, item)
    tells whether one item satisfies one criterion. `any`: some item satisfies them all;
    `all`: every item does (so an empty list matches `all`, as on StackStorm)."""

    def item_matches(item):
        return all(
            [check_function(key, criterion, item) for key, criterion in criteria_pattern.items()]
        )

    if criteria_condition == "any":
        return any([item_matches(item) for item in value])
    if criteria_condition == "all":
        return all([item_matches(item) for item in value])
    raise UnrecognizedConditionError(
        "The '%s' search condition is not recognized, only 'any' and 'all' are allowed"
        % criteria_condition
    )


OPERATORS = {
    "matchwildcard": match_wildcard,
    "matchregex": match_regex,
    "regex": regex,
    "iregex": iregex,
    "eq": equals,
    "equals": equals,
    "neq": nequals,
    "nequals": nequals,
    "ieq": iequals,
    "iequals": iequals,
    "contains": contains,
    "icontains": icontains,
    "ncontains": ncontains,
    "incontains": incontains,
    "startswith": startswith,
    "istartswith": istartswith,
    "endswith": endswith,
    "iendswith": iendswith,
    "lt": less_than,
    "lessthan": less_than,
    "gt": greater_than,
    "greaterthan": greater_than,
    "td_lt": timediff_lt,
    "timediff_lt": timediff_lt,
    "td_gt": timediff_gt,
    "timediff_gt": timediff_gt,
    "exists": exists,
    "nexists": nexists,
    "inside": inside,
    "in": inside,
    "ninside": ninside,
    "nin": ninside,
    SEARCH: search,
}


def get_operator(name):
    """Operator names are case-insensitive, as on StackStorm."""
    operator = OPERATORS.get(str(name).lower())
    if operator is None:
        raise UnknownOperatorError(
            "unknown criteria operator %r; use one of: %s" % (name, ", ".join(sorted(OPERATORS)))
        )
    return operator
