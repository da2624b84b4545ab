"""The engine keeps up with busy sensors: at least 5,000 rule evaluations a second."""
import time

from st2lite.rules import evaluate_rules
from helpers import make_rule

OPERATORS = [("eq", "qa1"), ("regex", "^q"), ("in", ["qa1", "qa2"]), ("gt", 3),
             ("contains", "a"), ("iequals", "QA1"), ("matchwildcard", "q*")]


def fifty_rules():
    rules = []
    for number in range(50):
        operator, pattern = OPERATORS[number % len(OPERATORS)]
        key = "trigger.count" if operator == "gt" else "trigger.env"
        criteria = {key: {"type": operator, "pattern": pattern},
                    "trigger.labels.team": {"type": "eq", "pattern": "{{ trigger.team }}"}}
        rules.append(make_rule(criteria, name="r%d" % number,
                               parameters={"msg": "{{ trigger.env }} {{ trigger.count }}"}))
    return rules


def test_at_least_5000_rule_evaluations_per_second():
    rules = fifty_rules()
    payload = {"env": "qa1", "count": 5, "team": "flight", "labels": {"team": "flight"}}
    assert len(evaluate_rules(rules, "test.event", payload)) == 50  # all match: full work
    rates = []  # the best of several batches: other processes share this machine's cores
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(60):
            evaluate_rules(rules, "test.event", payload)
        rates.append(60 * len(rules) / (time.perf_counter() - started))
    assert max(rates) >= 5000, "only %.0f rule evaluations per second" % max(rates)
