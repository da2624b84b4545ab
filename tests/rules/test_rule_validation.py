"""validate_rule refuses what StackStorm's API refuses, with one line: FILE: FIELD: reason."""

import copy

import pytest

from st2lite.rules import RuleValidationError, validate_rule

GOOD = {
    "name": "r",
    "pack": "p",
    "enabled": True,
    "trigger": {"type": "p.event"},
    "criteria": {"trigger.a": {"type": "eq", "pattern": 1}, "trigger.b": {"type": "exists"}},
    "action": {"ref": "core.echo", "parameters": {"message": "hi"}},
}


def with_change(path, value):
    rule = copy.deepcopy(GOOD)
    target = rule
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return rule


def test_good_rule_passes():
    assert validate_rule(copy.deepcopy(GOOD), "rules/r.yaml") is None


@pytest.mark.parametrize(
    "path,value,fragment",
    [
        (("name",), KeyError, "rules/r.yaml: name: is required"),
        (("trigger",), KeyError, "rules/r.yaml: trigger: must be a mapping"),
        (("trigger", "type"), KeyError, "rules/r.yaml: trigger.type: is required"),
        (("action",), KeyError, "rules/r.yaml: action: must be a mapping"),
        (("action", "ref"), 5, "rules/r.yaml: action.ref: is required and must be text"),
        (("enabled",), "yes", "rules/r.yaml: enabled: must be true or false"),
        (("criteria",), ["x"], "rules/r.yaml: criteria: must be a mapping"),
        (
            ("criteria", "trigger.a", "type"),
            KeyError,
            "rules/r.yaml: criteria.trigger.a.type: operator not specified",
        ),
        (
            ("criteria", "trigger.a", "type"),
            "like",
            "criteria.trigger.a.type: operator 'like' is not one of",
        ),
        (
            ("criteria", "trigger.a", "pattern"),
            KeyError,
            "criteria.trigger.a.pattern: no pattern specified for operator eq",
        ),
        (("type",), {"ref": "sometimes"}, "type.ref: must be standard or backstop"),
    ],
)
def test_refusals(path, value, fragment):
    with pytest.raises(RuleValidationError) as caught:
        validate_rule(with_change(path, value), "rules/r.yaml")
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_search_needs_a_condition_and_valid_children():
    rule = with_change(
        ("criteria",),
        {"trigger.l": {"type": "search", "pattern": {"item.x": {"type": "eq", "pattern": 1}}}},
    )
    with pytest.raises(RuleValidationError, match="condition: must be any or all"):
        validate_rule(rule, "f.yaml")
    rule["criteria"]["trigger.l"]["condition"] = "any"
    validate_rule(rule, "f.yaml")
    rule["criteria"]["trigger.l"]["pattern"]["item.x"]["type"] = "bogus"
    with pytest.raises(RuleValidationError, match="pattern.item.x.type"):
        validate_rule(rule, "f.yaml")


def test_interval_timer_parameters_are_checked():
    rule = with_change(
        ("trigger",),
        {"type": "core.st2.IntervalTimer", "parameters": {"unit": "seconds", "delta": 30}},
    )
    validate_rule(rule, "f.yaml")
    rule["trigger"]["parameters"]["unit"] = "fortnights"
    with pytest.raises(RuleValidationError, match="trigger.parameters: 'fortnights' is not one of"):
        validate_rule(rule, "f.yaml")
    rule["trigger"]["parameters"] = {"unit": "seconds"}
    with pytest.raises(RuleValidationError, match="'delta' is a required property"):
        validate_rule(rule, "f.yaml")
