"""Criteria keys (JSONPath) and Jinja-rendered patterns, as StackStorm evaluates them."""

import pytest
from helpers import make_rule

from st2lite.rules import evaluate_rules

PAYLOAD = {
    "env": "qa1",
    "limit": 8,
    "used": 10,
    "allowed": ["qa1", "qa3"],
    "labels": {"team": "flight"},
    "tags": ["mesos", "oom"],
    "tasks": [{"host": "agent-1"}, {"host": "agent-2"}],
    "deep": {"a": {"x": 1}, "b": [{"x": 2}]},
    "name with space": "yes",
    "count": "5",
    "headers": {"X-Custom-Header": "on"},
}


def matched(key, operator, pattern, payload=PAYLOAD, kv=None):
    rule = make_rule({key: {"type": operator, "pattern": pattern}})
    kv_get = (lambda key, decrypt: (kv or {}).get(key)) if kv is not None else None
    decisions = evaluate_rules([rule], "test.event", payload, kv_get=kv_get)
    if not decisions:
        return False
    return decisions[0].failure_reason or True


@pytest.mark.parametrize(
    "key,operator,pattern,expected",
    [
        ("trigger.labels.team", "eq", "flight", True),
        ("trigger.tags[1]", "eq", "oom", True),
        ("trigger.tags[-1]", "eq", "oom", True),
        ("trigger.tags[5]", "nexists", "x", True),  # out of range: absent
        ("trigger.tasks[*].host", "eq", "agent-1", True),  # several matches: the first is used
        ("trigger.tasks[*].host", "eq", "agent-2", False),
        ("trigger.tasks[1:].host", "eq", "agent-2", True),
        ("trigger.deep..x", "eq", 1, True),  # descendants, first found
        ("trigger.deep.*.x", "eq", 1, True),
        ("trigger.'name with space'", "eq", "yes", True),
        ("trigger.headers['X-Custom-Header']", "eq", "on", True),  # the form StackStorm documents
        ("trigger.headers.X-Custom-Header", "eq", "on", True),
        ("trigger.env.nothere", "nexists", "x", True),  # a field of text is absent
        ("trigger.labels.team.x", "exists", "x", False),
    ],
)
def test_keys(key, operator, pattern, expected):
    assert matched(key, operator, pattern) is expected


def test_index_into_a_mapping_is_a_failure():
    reason = matched("trigger.labels[0]", "exists", "x")
    assert "Failed transforming criteria key trigger.labels[0]" in reason


def test_unparsable_key_is_a_failure():
    assert "Failed transforming criteria key" in matched("trigger.a[", "exists", "x")


@pytest.mark.parametrize(
    "pattern,payload_value,expected",
    [
        ("{{ trigger.limit }}", 10, True),  # 10 > 8: the pattern stays a number
        ("{{trigger.limit}}", 3, False),
    ],
)
def test_expression_pattern_keeps_its_type(pattern, payload_value, expected):
    payload = dict(PAYLOAD, used=payload_value)
    assert matched("trigger.used", "gt", pattern, payload) is expected


def test_expression_pattern_can_be_a_list():
    assert matched("trigger.env", "inside", "{{ trigger.allowed }}") is True
    assert (
        matched("trigger.env", "inside", "{{ trigger.allowed }}", dict(PAYLOAD, allowed=[]))
        is False
    )


def test_text_around_an_expression_renders_as_text():
    assert matched("trigger.env", "eq", "qa{{ trigger.env[2:] }}") is True


def test_to_complex_binds_to_the_last_operand_as_on_stackstorm():
    # StackStorm rewrites "{{ a * 2 }}" as "{{a * 2 | to_complex}}": the filter applies to 2,
    # so 8 * "2" is "22222222", which then decodes as a number.
    assert matched("trigger.used", "lt", "{{ trigger.limit * 2 }}", dict(PAYLOAD, used=17)) is True
    assert matched("trigger.used", "gt", "{{ trigger.limit * 2 }}", dict(PAYLOAD, used=17)) is False
    # ... and 8 - "7" raises: the rule fails with the reason.
    assert "unsupported operand" in matched("trigger.env", "eq", "qa{{ trigger.limit - 7 }}")


def test_expression_rendering_a_string_of_digits_becomes_a_number():
    # '"5"' decodes to the text "5"; but a pattern rendering to 5 compares as a number
    assert matched("trigger.count", "eq", "{{ trigger.count }}") is True
    assert matched("trigger.count", "eq", "{{ trigger.count | int }}") is False


def test_plain_text_pattern_stays_text():
    assert matched("trigger.count", "eq", "5") is True
    assert matched("trigger.limit", "eq", "8") is False


def test_undefined_name_in_pattern_is_a_failure_naming_it():
    reason = matched("trigger.env", "eq", "{{ trigger.nothere }}")
    assert 'Failed to render pattern value "{{ trigger.nothere }}" for key "trigger.env"' in reason
    assert "nothere" in reason.split("trigger.env")[-1]


def test_syntax_error_in_pattern_is_a_failure():
    assert "Failed to render pattern value" in matched("trigger.env", "eq", "{{ trigger.env ")


def test_datastore_value_in_pattern():
    assert (
        matched("trigger.env", "eq", "{{ st2kv.system.target_env }}", kv={"target_env": "qa1"})
        is True
    )
    assert (
        matched("trigger.env", "eq", "{{ st2kv.system.target_env }}", kv={"target_env": "qa2"})
        is False
    )
    assert matched("trigger.env", "eq", "{{ st2kv.system.a.b }}", kv={"a.b": "qa1"}) is True


def test_missing_datastore_key_renders_empty():
    assert matched("trigger.env", "eq", "x{{ st2kv.system.none }}", kv={}) is False
    assert (
        matched("trigger.empty", "eq", "x{{ st2kv.system.none }}", dict(PAYLOAD, empty="x"), kv={})
        is True
    )


def test_backstop_rule_only_when_nothing_else_matched():
    rules = [
        make_rule({"trigger.env": {"type": "eq", "pattern": "qa1"}}, name="std"),
        make_rule({}, name="fallback", rule_type="backstop"),
    ]

    def refs(payload):
        return [d.rule_ref for d in evaluate_rules(rules, "test.event", payload)]

    assert refs({"env": "qa1"}) == ["test.std"]
    assert refs({"env": "qa2"}) == ["test.fallback"]


def test_only_enabled_rules_of_the_trigger_type_are_considered():
    rules = [
        make_rule({}, name="on"),
        make_rule({}, name="off", enabled=False),
        make_rule({}, name="elsewhere", trigger="other.event"),
    ]
    assert [d.rule_ref for d in evaluate_rules(rules, "test.event", {"a": 1})] == ["test.on"]


def test_decisions_keep_the_order_of_the_rules():
    rules = [make_rule({}, name=n) for n in ("zeta", "alpha", "mid")]
    assert [d.rule_ref for d in evaluate_rules(rules, "test.event", {})] == [
        "test.zeta",
        "test.alpha",
        "test.mid",
    ]


def test_trigger_parameters_select_rules_when_given():
    rules = [
        make_rule({}, name="fast", trigger_parameters={"unit": "seconds", "delta": 5}),
        make_rule({}, name="slow", trigger_parameters={"unit": "minutes", "delta": 1}),
    ]
    decisions = evaluate_rules(
        rules, "test.event", {}, trigger_parameters={"unit": "seconds", "delta": 5}
    )
    assert [d.rule_ref for d in decisions] == ["test.fast"]


def test_dollar_root_is_accepted():
    assert matched("$.trigger.labels.team", "eq", "flight") is True


def test_datastore_that_refuses_missing_keys_gives_a_clear_reason():
    def strict(key, decrypt):
        raise KeyError(key)

    rule = make_rule({}, parameters={"region": "{{ st2kv.system.region }}"})
    [decision] = evaluate_rules([rule], "test.event", {"a": 1}, kv_get=strict)
    assert decision.failure_reason == (
        'Failed to render parameter "region" of the action: '
        "st2kv.system.region: no such key in the datastore; "
        "set it with st2 key set region VALUE"
    )


def test_criteria_failures_come_before_matched_rules_as_stackstorm_records_them():
    rules = [
        make_rule({}, name="first"),
        make_rule({"trigger.a": {"type": "gt", "pattern": 1}}, name="bad"),
        make_rule({}, name="last"),
    ]
    decisions = evaluate_rules(rules, "test.event", {"a": "text"})
    assert [(d.rule_ref, d.status) for d in decisions] == [
        ("test.bad", "failed"),
        ("test.first", "succeeded"),
        ("test.last", "succeeded"),
    ]
