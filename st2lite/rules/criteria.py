"""Decides whether one rule's criteria hold for one trigger payload, as StackStorm's RuleFilter
(st2reactor/rules/filter.py) decides it.

A criterion is false when its `type` is missing. Its pattern, when a string, is first rendered
with Jinja against the payload; a pattern that is a single `{{ ... }}` expression keeps its type
(a number stays a number, a list a list). The key is looked up as JSONPath; a key suffixed with
`#anything` reads the same field (so one rule can test a field twice). When rendering, the lookup
or the operator raises, the criterion is false and the reason is recorded: StackStorm records a
failed rule enforcement for it."""

import json
import re
from functools import lru_cache

from st2lite.rules import operators
from st2lite.rules.payload_lookup import PayloadLookup
from st2lite.rules.templating import KeyValueLookup, render, resolve, simple_parts, to_complex

__all__ = ["CriteriaCheck", "render_pattern"]

_JINJA_EXPRESSION = re.compile(r"({{)\s*(.*)\s*(}})")


@lru_cache(maxsize=4096)
def _typed_variant(pattern):
    """The pattern with `| to_complex` added to its expression, or None when it has none."""
    if not _JINJA_EXPRESSION.search(pattern):
        return None
    return _JINJA_EXPRESSION.sub(r"\1\2 | to_complex\3", pattern)


def render_pattern(pattern, context):
    if pattern is None or not isinstance(pattern, str):
        return pattern
    parts = simple_parts(pattern)
    if parts is not None and len(parts) == 3 and parts[0] == parts[2] == "":
        # "{{ a.b }}" alone: the same as rendering "{{a.b | to_complex}}" and decoding it.
        return json.loads(to_complex(resolve(parts[1], context)))
    typed = _typed_variant(pattern)
    if typed is not None:
        try:
            return json.loads(render(typed, context))
        except ValueError:
            pass  # Not JSON (e.g. text around the expression): render it as plain text.
    return render(pattern, context)


def _one_line(error):
    text = str(error).strip().replace("\n", " ")
    return text or type(error).__name__


class CriteriaCheck(object):
    """Evaluates a rule's criteria; `failures` collects one line per criterion that raised."""

    def __init__(self, rule_ref, kv_get=None):
        self.rule_ref = rule_ref
        self.failures = []
        kv_root = KeyValueLookup(kv_get)
        self._extra_context = {"system": kv_root, "st2kv": {"system": kv_root}}

    def matches(self, criteria, payload):
        if not isinstance(criteria, dict):
            self.failures.append(
                "criteria must be a mapping of keys to {type, pattern}, not %s"
                % type(criteria).__name__
            )
            return False
        if criteria and not payload:
            return False
        lookup = PayloadLookup(payload, "trigger", self._extra_context)
        for key, criterion in criteria.items():
            if not self._check(key, criterion, lookup):
                return False
        return True

    def _check_item(self, key, criterion, item):
        """One `search` item against one child criterion (keys start with `item.`)."""
        return self._check(key, criterion, PayloadLookup(item, "item", self._extra_context))

    def _check(self, key, criterion, lookup):
        if not isinstance(criterion, dict) or "type" not in criterion:
            return False
        operator_name = criterion["type"]
        pattern = criterion.get("pattern")
        try:
            pattern = render_pattern(pattern, lookup.context)
        except Exception as error:
            return self._fail(
                'Failed to render pattern value "%s" for key "%s"' % (pattern, key), error
            )
        try:
            found = lookup.get_value(key.split("#", 1)[0])
            value = found[0] if found else None
        except Exception as error:
            return self._fail("Failed transforming criteria key %s" % key, error)
        try:
            operator = operators.get_operator(operator_name)
            if operator_name == operators.SEARCH:
                return operator(value, pattern, criterion.get("condition"), self._check_item)
            return operator(value, pattern)
        except Exception as error:
            return self._fail(
                "There might be a problem with the criteria in rule %s" % self.rule_ref, error
            )

    def _fail(self, what, error):
        self.failures.append("%s: %s" % (what, _one_line(error)))
        return False
