"""Checks a rule file as StackStorm's API does when a pack is registered: required fields,
criteria operators (st2common validators/api/reactor.py) and the parameters of the built-in
timer triggers."""

from st2lite.rules.errors import RuleValidationError
from st2lite.rules.operators import OPERATORS, SEARCH

__all__ = ["validate_rule", "TIMER_PARAMETER_SCHEMAS", "INTERVAL_TIMER", "INTERVAL_UNITS"]

INTERVAL_TIMER = "core.st2.IntervalTimer"
INTERVAL_UNITS = ("weeks", "days", "hours", "minutes", "seconds")
NO_PATTERN_OPERATORS = ("exists", "nexists")

TIMER_PARAMETER_SCHEMAS = {
    INTERVAL_TIMER: {
        "type": "object",
        "properties": {
            "timezone": {"type": "string"},
            "unit": {"enum": list(INTERVAL_UNITS)},
            "delta": {"type": "integer", "minimum": 1},
        },
        "required": ["unit", "delta"],
        "additionalProperties": False,
    },
    "core.st2.DateTimer": {
        "type": "object",
        "properties": {"timezone": {"type": "string"}, "date": {"type": "string"}},
        "required": ["date"],
        "additionalProperties": False,
    },
    "core.st2.CronTimer": {
        "type": "object",
        "properties": {
            name: {"type": ["string", "integer"]}
            for name in (
                "timezone",
                "year",
                "month",
                "day",
                "week",
                "day_of_week",
                "hour",
                "minute",
                "second",
            )
        },
        "additionalProperties": False,
    },
}


def _require_mapping(value, path, field, hint):
    if not isinstance(value, dict):
        raise RuleValidationError("%s: %s: must be a mapping (%s)" % (path, field, hint))


def _require_text(mapping, key, path, field, hint):
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RuleValidationError("%s: %s: is required and must be text (%s)" % (path, field, hint))


def _validate_trigger(rule, path):
    trigger = rule.get("trigger")
    _require_mapping(trigger, path, "trigger", "e.g. trigger: {type: core.st2.webhook}")
    _require_text(trigger, "type", path, "trigger.type", "the trigger type ref, e.g. pack.name")
    parameters = trigger.get("parameters")
    if parameters is None:
        parameters = {}
    _require_mapping(parameters, path, "trigger.parameters", "name: value pairs")
    schema = TIMER_PARAMETER_SCHEMAS.get(trigger["type"])
    if schema is not None:
        import jsonschema

        try:
            jsonschema.validate(parameters, schema)
        except jsonschema.ValidationError as error:
            raise RuleValidationError(
                "%s: trigger.parameters: %s (%s takes %s)"
                % (path, error.message, trigger["type"], ", ".join(sorted(schema["properties"])))
            ) from error


def _validate_action(rule, path):
    action = rule.get("action")
    _require_mapping(action, path, "action", "e.g. action: {ref: core.local}")
    _require_text(action, "ref", path, "action.ref", "the action ref, e.g. core.local")
    if action.get("parameters") is not None:
        _require_mapping(action["parameters"], path, "action.parameters", "name: value pairs")


def _validate_criterion(key, criterion, path, prefix):
    field = "%s.%s" % (prefix, key)
    _require_mapping(criterion, path, field, "with type and pattern")
    operator = criterion.get("type")
    if operator is None:
        raise RuleValidationError(
            "%s: %s.type: operator not specified; add e.g. type: equals" % (path, field)
        )
    if operator not in OPERATORS:
        raise RuleValidationError(
            "%s: %s.type: operator %r is not one of: %s"
            % (path, field, operator, ", ".join(sorted(OPERATORS)))
        )
    if criterion.get("pattern") is None and operator not in NO_PATTERN_OPERATORS:
        raise RuleValidationError(
            "%s: %s.pattern: no pattern specified for operator %s" % (path, field, operator)
        )
    if operator == SEARCH:
        if criterion.get("condition") not in ("any", "all"):
            raise RuleValidationError(
                "%s: %s.condition: must be any or all for the search operator" % (path, field)
            )
        _validate_criteria(criterion["pattern"], path, field + ".pattern")


def _validate_criteria(criteria, path, field):
    _require_mapping(criteria, path, field, "keys like trigger.field mapped to {type, pattern}")
    for key, criterion in criteria.items():
        _validate_criterion(key, criterion, path, field)


def validate_rule(rule, path):
    """None, or RuleValidationError("PATH: FIELD: reason") for a rule StackStorm would refuse."""
    if not isinstance(rule, dict):
        raise RuleValidationError(
            "%s: rule: the file must hold one mapping (name, trigger, action)" % path
        )
    _require_text(rule, "name", path, "name", "the rule's name")
    if "pack" in rule and not isinstance(rule["pack"], str):
        raise RuleValidationError("%s: pack: must be text" % path)
    if "enabled" in rule and not isinstance(rule["enabled"], bool):
        raise RuleValidationError("%s: enabled: must be true or false" % path)
    rule_type = rule.get("type")
    if rule_type is not None:
        _require_mapping(rule_type, path, "type", "e.g. type: {ref: standard}")
        if rule_type.get("ref") not in ("standard", "backstop"):
            raise RuleValidationError("%s: type.ref: must be standard or backstop" % path)
    _validate_trigger(rule, path)
    if rule.get("criteria") is not None:
        _validate_criteria(rule["criteria"], path, "criteria")
    _validate_action(rule, path)
