"""The rc corpus: for each payload, exactly the rules StackStorm's own RuleFilter matched."""

import glob
import json
import os

import pytest
import yaml

from st2lite.rules import evaluate_rules

CORPUS = os.environ.get("ST2LITE_CONFORMANCE", "/work/shared/conformance")
RULES_DIR = os.path.join(CORPUS, "packs", "rc", "rules")
EXPECTED = os.path.join(CORPUS, "expected-rules.json")

pytestmark = pytest.mark.skipif(not os.path.exists(EXPECTED), reason="conformance corpus absent")


def load_rules():
    rules = []
    for path in sorted(glob.glob(os.path.join(RULES_DIR, "*.yaml"))):
        with open(path) as handle:
            rule = yaml.safe_load(handle)
        rule["ref"] = "%s.%s" % (rule["pack"], rule["name"])
        rules.append(rule)
    return rules


def load_cases():
    if not os.path.exists(EXPECTED):
        return []
    with open(EXPECTED) as handle:
        return json.load(handle)


def trigger_type():
    with open(os.path.join(CORPUS, "packs", "rc", "triggers", "event.yaml")) as handle:
        meta = yaml.safe_load(handle)
    return "%s.%s" % (meta["pack"], meta["name"])


@pytest.mark.parametrize("number,case", list(enumerate(load_cases())))
def test_matches_exactly_what_stackstorm_matched(number, case):
    decisions = evaluate_rules(
        load_rules(), trigger_type(), case["payload"], trigger_instance_id="ti-%d" % number
    )
    matched = sorted(d.rule_ref for d in decisions if d.failure_reason is None)
    assert matched == case["matched"]


def test_corpus_is_complete():
    assert len(load_rules()) == 42
    assert len(load_cases()) == 4


def test_disabled_rule_never_decided():
    for case in load_cases():
        refs = [d.rule_ref for d in evaluate_rules(load_rules(), trigger_type(), case["payload"])]
        assert "rc.disabled" not in refs
