"""Every criteria operator and alias, with StackStorm's exact (sometimes surprising) outcomes.

outcome: True = the rule matched, False = it did not, "failed" = it could not be evaluated
(StackStorm records a failed rule enforcement with the reason)."""

import datetime

import pytest
from helpers import make_rule

from st2lite.rules import evaluate_rules


def outcome(operator, pattern, payload, key="trigger.v", condition=None):
    criterion = {"type": operator}
    if pattern is not None:
        criterion["pattern"] = pattern
    if condition is not None:
        criterion["condition"] = condition
    decisions = evaluate_rules([make_rule({key: criterion})], "test.event", payload)
    if not decisions:
        return False
    assert len(decisions) == 1
    return "failed" if decisions[0].failure_reason else True


class iso(object):
    """A time relative to when the test runs (not when the cases were collected: a long suite
    would otherwise push "a minute ago" past the operators' thresholds)."""

    def __init__(self, seconds_from_now):
        self.seconds_from_now = seconds_from_now

    def text(self):
        moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
            seconds=self.seconds_from_now
        )
        return moment.isoformat()

    def __repr__(self):
        return "iso(%+d s)" % self.seconds_from_now


def resolve_times(payload):
    return dict((k, v.text() if isinstance(v, iso) else v) for k, v in payload.items())


CASES = [
    # equality: no casting between numbers and text
    ("equals", "qa1", {"v": "qa1"}, True),
    ("eq", 5, {"v": 5}, True),
    ("eq", "5", {"v": 5}, False),
    ("eq", 5, {"v": "5"}, False),
    ("eq", 1, {"v": True}, True),  # Python: True == 1
    ("equals", "x", {"v": None}, False),
    ("nequals", "x", {"other": 1}, True),  # a missing key is None, and None != "x"
    ("neq", "qa1", {"v": "qa1"}, False),
    ("iequals", "HIGH", {"v": "high"}, True),
    ("ieq", "5", {"v": 5}, "failed"),  # an int has no .lower()
    # containment
    ("contains", "oom", {"v": ["mesos", "oom"]}, True),
    ("contains", "me", {"v": "memory"}, True),
    ("contains", "x", {"other": 1}, "failed"),  # "x" in None raises
    ("icontains", "KILLED", {"v": "task killed"}, True),
    ("ncontains", "disk", {"v": "disk full"}, False),
    ("ncontains", "disk", {"v": "ok"}, True),
    ("incontains", "KILLED", {"v": "killed"}, False),
    ("incontains", "KILLED", {"v": "fine"}, True),
    # affixes
    ("startswith", "f_", {"v": "f_app"}, True),
    ("istartswith", "F_", {"v": "f_app"}, True),
    ("endswith", "_java", {"v": "X_JAVA"}, False),
    ("iendswith", "_java", {"v": "X_JAVA"}, True),
    ("startswith", "1", {"v": 12}, "failed"),
    # order: Python comparison, no casting
    ("lessthan", 0.9, {"v": 0.75}, True),
    ("lt", 0.9, {"v": 0.95}, False),
    ("greaterthan", 3, {"v": 4}, True),
    ("gt", 3, {"v": "qa1"}, "failed"),  # str > int raises
    ("gt", "3", {"v": "4"}, True),  # text compares as text
    ("gt", "10", {"v": "9"}, True),  # ... so "9" > "10"
    ("lt", 1, {"other": 1}, "failed"),  # None < 1 raises
    # patterns
    ("matchwildcard", "f_tts_*", {"v": "f_tts_java"}, True),
    ("matchwildcard", "f_tts_*", {"v": "F_TTS_JAVA"}, False),
    ("matchwildcard", "agent-?", {"v": "agent-1"}, True),
    ("matchregex", "tts", {"v": "f_tts"}, False),  # anchored at the start
    ("matchregex", "tts", {"v": "tts_gw"}, True),
    ("matchregex", "a.b", {"v": "a\nb"}, True),  # DOTALL
    ("regex", "tts", {"v": "f_tts"}, True),  # search anywhere
    ("regex", "a.b", {"v": "a\nb"}, False),
    ("regex", "^TTS", {"v": "tts"}, False),
    ("iregex", "^TTS", {"v": "tts"}, True),
    ("regex", "[", {"v": "x"}, "failed"),  # invalid regex
    # time differences (seconds since the payload's date)
    ("timediff_gt", 600, {"v": "2001-02-03T04:05:06Z"}, True),
    ("td_gt", 600, {"v": iso(-60)}, False),
    ("timediff_lt", 600, {"v": iso(-60)}, True),
    ("td_lt", 600, {"v": "2999-01-01T00:00:00Z"}, True),  # future dates are "less than"
    ("td_lt", 600, {"v": "2001-02-03 04:05:06"}, False),  # naive dates are UTC
    ("td_lt", "600", {"v": iso(-60)}, "failed"),  # text pattern: float < str raises
    ("td_lt", 600, {"other": 1}, "failed"),
    # existence: null counts as absent
    ("exists", None, {"v": 0}, True),
    ("exists", None, {"v": None}, False),
    ("exists", None, {"other": 1}, False),
    ("nexists", None, {"v": None}, True),
    ("nexists", None, {"v": ""}, False),
    # membership: a text pattern is a substring test
    ("inside", ["qa1", "qa2"], {"v": "qa1"}, True),
    ("in", "qa1,qa2", {"v": "qa2"}, True),
    ("in", "qa1,qa2", {"v": "a1,q"}, True),
    ("in", ["qa1"], {"v": "qa"}, False),
    ("ninside", ["prod"], {"v": "qa1"}, True),
    ("nin", ["prod"], {"v": "prod"}, False),
    ("in", "abc", {"v": 1}, "failed"),
    # operator names are case-insensitive
    ("EQUALS", "x", {"v": "x"}, True),
]


@pytest.mark.parametrize("operator,pattern,payload,expected", CASES)
def test_operator(operator, pattern, payload, expected):
    assert outcome(operator, pattern, resolve_times(payload)) == expected


def test_operators_without_pattern_are_false_except_negations():
    payload = {"v": "x"}
    for operator in (
        "equals",
        "ieq",
        "contains",
        "startswith",
        "lt",
        "gt",
        "regex",
        "matchwildcard",
        "inside",
        "td_lt",
    ):
        assert outcome(operator, None, payload) is False, operator
    assert outcome("nequals", None, payload) is True


def test_criterion_without_type_never_matches_and_is_not_a_failure():
    decisions = evaluate_rules(
        [make_rule({"trigger.v": {"pattern": "x"}})], "test.event", {"v": "x"}
    )
    assert decisions == []


def test_criteria_on_empty_payload_never_match_but_no_criteria_does():
    rules = [make_rule({"trigger.v": {"type": "nexists"}}, name="a"), make_rule({}, name="b")]
    assert [d.rule_ref for d in evaluate_rules(rules, "test.event", {})] == ["test.b"]


def test_all_criteria_must_hold():
    criteria = {
        "trigger.env": {"type": "eq", "pattern": "qa1"},
        "trigger.level": {"type": "eq", "pattern": "low"},
    }
    rule = make_rule(criteria)
    assert evaluate_rules([rule], "test.event", {"env": "qa1", "level": "high"}) == []
    assert len(evaluate_rules([rule], "test.event", {"env": "qa1", "level": "low"})) == 1


def test_hash_suffix_tests_the_same_field_twice():
    criteria = {
        "trigger.ratio": {"type": "gt", "pattern": 0.5},
        "trigger.ratio#upper": {"type": "lt", "pattern": 0.9},
    }
    rule = make_rule(criteria)
    assert len(evaluate_rules([rule], "test.event", {"ratio": 0.7})) == 1
    assert evaluate_rules([rule], "test.event", {"ratio": 0.95}) == []


class TestSearch(object):
    pattern = {
        "item.state": {"type": "equals", "pattern": "TASK_FAILED"},
        "item.host": {"type": "startswith", "pattern": "agent-"},
    }

    def test_any_needs_one_item_matching_every_child_criterion(self):
        tasks = [
            {"host": "agent-1", "state": "TASK_RUNNING"},
            {"host": "agent-2", "state": "TASK_FAILED"},
        ]
        assert outcome("search", self.pattern, {"v": tasks}, condition="any") is True
        split = [
            {"host": "other", "state": "TASK_FAILED"},
            {"host": "agent-2", "state": "TASK_RUNNING"},
        ]
        assert outcome("search", self.pattern, {"v": split}, condition="any") is False

    def test_all_needs_every_item_and_holds_for_an_empty_list(self):
        tasks = [
            {"host": "agent-1", "state": "TASK_FAILED"},
            {"host": "agent-2", "state": "TASK_FAILED"},
        ]
        assert outcome("search", self.pattern, {"v": tasks}, condition="all") is True
        tasks[1]["state"] = "TASK_RUNNING"
        assert outcome("search", self.pattern, {"v": tasks}, condition="all") is False
        assert outcome("search", self.pattern, {"v": []}, condition="all") is True
        assert outcome("search", self.pattern, {"v": []}, condition="any") is False

    def test_nested_search(self):
        inner = {"item.name": {"type": "eq", "pattern": "b"}}
        pattern = {"item.children": {"type": "search", "condition": "any", "pattern": inner}}
        payload = {"v": [{"children": [{"name": "a"}]}, {"children": [{"name": "b"}]}]}
        assert outcome("search", pattern, payload, condition="any") is True
        assert outcome("search", pattern, payload, condition="all") is False

    def test_child_patterns_render_against_the_item(self):
        pattern = {"item.copy": {"type": "eq", "pattern": "{{ item.original }}"}}
        payload = {"v": [{"copy": 3, "original": 3}]}
        assert outcome("search", pattern, payload, condition="all") is True

    def test_unknown_condition_or_missing_list_fails(self):
        assert outcome("search", self.pattern, {"v": []}, condition="most") == "failed"
        assert outcome("search", self.pattern, {"other": 1}, condition="any") == "failed"


def test_failure_reason_names_rule_instance_and_cause():
    rule = make_rule({"trigger.v": {"type": "gt", "pattern": 3}}, name="cmp")
    [decision] = evaluate_rules([rule], "test.event", {"v": "qa1"}, trigger_instance_id="ti-9")
    assert decision.status == "failed"
    assert decision.failure_reason.startswith(
        'Failed to match rule "test.cmp" against trigger instance "ti-9"'
    )
    assert "'>' not supported" in decision.failure_reason
    assert "\n" not in decision.failure_reason


def test_criteria_that_are_not_a_mapping_fail_the_rule():
    [decision] = evaluate_rules([make_rule(["trigger.v"])], "test.event", {"v": 1})
    assert decision.status == "failed"
    assert "criteria must be a mapping" in decision.failure_reason
