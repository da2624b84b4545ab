"""Which rules a trigger instance sets off, and with what action parameters.

Order, as StackStorm's RulesMatcher: standard rules in the order given, then `backstop` rules,
which only apply when no standard rule matched."""

from st2lite.packs.content_ids import content_id
from st2lite.rules.criteria import CriteriaCheck
from st2lite.rules.dispatch_scope import current_trigger_parameters
from st2lite.rules.parameters import ParameterRenderError, render_parameters
from st2lite.rules.templating import KeyValueLookup

__all__ = ["RuleDecision", "evaluate_rules", "execution_context", "rule_applies_to"]

BACKSTOP = "backstop"


class RuleDecision(object):
    """What the rules engine decided for one rule. `failure_reason` is None when the action
    should run with `parameters`; otherwise one line saying why the rule could not be applied
    (a criteria pattern that did not render, an operator that raised, parameters that did not
    render): StackStorm records such a rule enforcement as failed."""

    __slots__ = ("rule_ref", "action_ref", "parameters", "failure_reason", "trigger_instance_id")

    def __init__(
        self, rule_ref, action_ref, parameters, failure_reason=None, trigger_instance_id=None
    ):
        self.rule_ref = rule_ref
        self.action_ref = action_ref
        self.parameters = parameters
        self.failure_reason = failure_reason
        self.trigger_instance_id = trigger_instance_id

    @property
    def status(self):
        return "failed" if self.failure_reason else "succeeded"

    def as_dict(self):
        return {name: getattr(self, name) for name in self.__slots__}

    def __repr__(self):
        return "RuleDecision(%s -> %s, %s)" % (
            self.rule_ref,
            self.action_ref,
            self.failure_reason or "succeeded",
        )


def execution_context(rule_ref, trigger_instance_id, action_ref, user):
    """The context of an execution a rule starts, as StackStorm's rule enforcer writes it: the
    rule and the trigger instance as {id, name} references (st2lite adds the rule's ref), the
    system user and the action's pack."""
    pack, _, name = rule_ref.partition(".")
    return {
        "user": user,
        "rule": {"id": content_id("rule", rule_ref), "name": name, "ref": rule_ref},
        "trigger_instance": {"id": trigger_instance_id, "name": None},
        "pack": action_ref.partition(".")[0],
    }


def _rule_ref(rule):
    return rule.get("ref") or "%s.%s" % (rule.get("pack", "default"), rule.get("name"))


def _is_backstop(rule):
    rule_type = rule.get("type") or {}
    return isinstance(rule_type, dict) and rule_type.get("ref") == BACKSTOP


def rule_applies_to(rule, trigger_ref, trigger_parameters=None):
    """An enabled rule on this trigger type (and, when given, these trigger parameters)."""
    if not rule.get("enabled", True):
        return False
    trigger = rule.get("trigger") or {}
    if trigger.get("type") != trigger_ref:
        return False
    return trigger_parameters is None or (trigger.get("parameters") or {}) == trigger_parameters


def _failure(rule_ref, trigger_instance_id, reason):
    return 'Failed to match rule "%s" against trigger instance "%s": %s' % (
        rule_ref,
        trigger_instance_id,
        reason,
    )


def _decide(rule, payload, kv_get, trigger_instance_id):
    """(RuleDecision or None when the rule simply does not match, whether its criteria held)."""
    ref = _rule_ref(rule)
    action = rule.get("action") or {}
    check = CriteriaCheck(ref, kv_get)
    if not check.matches(rule.get("criteria") or {}, payload):
        if not check.failures:
            return None, False
        reason = _failure(ref, trigger_instance_id, check.failures[0])
        return RuleDecision(ref, action.get("ref"), None, reason, trigger_instance_id), False
    context = _parameter_context(ref, payload, kv_get, trigger_instance_id)
    try:
        parameters = render_parameters(action.get("parameters"), context)
    except ParameterRenderError as error:
        return RuleDecision(ref, action.get("ref"), None, str(error), trigger_instance_id), True
    return RuleDecision(ref, action.get("ref"), parameters, None, trigger_instance_id), True


def _parameter_context(rule_ref, payload, kv_get, trigger_instance_id):
    kv_root = KeyValueLookup(kv_get)
    trigger_instance = {"id": trigger_instance_id}
    rule = {"ref": rule_ref}
    return {
        "trigger": payload,
        "trigger_instance": trigger_instance,
        "rule": rule,
        "action_context": {"trigger_instance": trigger_instance, "rule": rule},
        "st2kv": {"system": kv_root},
        "system": kv_root,
    }


def evaluate_rules(
    rules, trigger_ref, payload, kv_get=None, trigger_instance_id=None, trigger_parameters=None
):
    """One RuleDecision per enabled rule on `trigger_ref` that matched `payload` (or that
    could not be evaluated: failure_reason says why), in StackStorm's order: first the rules
    whose criteria raised (recorded while matching), then the matched rules in rule order.

    kv_get(key, decrypt) -> value or None serves `{{ st2kv.system.KEY }}`. trigger_parameters,
    when given (or when a timer of this type is dispatching on this thread), restricts the
    rules to those whose trigger.parameters equal them."""
    if trigger_parameters is None:
        trigger_parameters = current_trigger_parameters(trigger_ref)
    candidates = [rule for rule in rules if rule_applies_to(rule, trigger_ref, trigger_parameters)]
    context = (payload, kv_get, trigger_instance_id)
    failed, matched = _run_pass([r for r in candidates if not _is_backstop(r)], *context)
    if not matched:
        backstop_failed, matched = _run_pass([r for r in candidates if _is_backstop(r)], *context)
        failed += backstop_failed
    return failed + matched


def _run_pass(rules, payload, kv_get, trigger_instance_id):
    """(decisions of rules whose criteria raised, decisions of rules whose criteria held)."""
    failed, matched = [], []
    for rule in rules:
        decision, criteria_held = _decide(rule, payload, kv_get, trigger_instance_id)
        if criteria_held:
            matched.append(decision)
        elif decision is not None:
            failed.append(decision)
    return failed, matched
