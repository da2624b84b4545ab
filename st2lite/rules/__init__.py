"""st2lite's rules engine: which rules a trigger instance sets off, as StackStorm decides it.

decisions = evaluate_rules(rules, trigger_ref, payload, kv_get=None, trigger_instance_id=None)
validate_rule(rule_dict, path)   # raises RuleValidationError("file: field: reason")
"""

from st2lite.rules.engine import RuleDecision, evaluate_rules, rule_applies_to
from st2lite.rules.errors import RuleValidationError
from st2lite.rules.validation import validate_rule

__all__ = [
    "evaluate_rules",
    "validate_rule",
    "RuleDecision",
    "RuleValidationError",
    "rule_applies_to",
]
