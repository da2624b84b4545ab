"""The guard every automatic action goes through: hourly cap per key, escalation once, dry run,
and the bounded decision log."""

import pytest
from qaeci import automation
from qaeci.errors import ConfigError


class Clock(object):
    def __init__(self, now=1700000000.0):
        self.now = now

    def __call__(self):
        return self.now


def guard_for(datastore, clock, **section):
    return automation.Guard.from_config(datastore, {"remediation": section}, "remediation", clock)


def decide(guard, key="qa1/web"):
    return guard.decide(
        key,
        "raise memory 512 -> 768 MB",
        {"trigger": "qaeci.container_oom"},
        kind="oom",
        env="qa1",
        app="web",
    )


def test_acts_up_to_the_cap_then_escalates_once_then_skips(datastore):
    guard = guard_for(datastore, Clock(), max_per_hour=2)
    outcomes = [decide(guard).outcome for _ in range(5)]
    assert outcomes == ["acted", "acted", "escalated", "skipped", "skipped"]
    escalation = automation.history(datastore, key="qa1/web", limit=0)[2]
    assert escalation["decision"] == "escalated"
    assert (
        "2 automatic actions per hour on qa1/web (remediation.max_per_hour)" in escalation["reason"]
    )
    assert "next automatic action after" in escalation["reason"]


def test_the_cap_is_per_key(datastore):
    guard = guard_for(datastore, Clock(), max_per_hour=1)
    assert decide(guard, "qa1/web").acts
    assert decide(guard, "qa1/api").acts
    assert decide(guard, "qa2/web").acts
    assert not decide(guard, "qa1/web").acts


def test_a_key_acts_again_once_its_oldest_action_is_an_hour_old(datastore):
    clock = Clock()
    guard = guard_for(datastore, clock, max_per_hour=2)
    assert decide(guard).acts
    clock.now += 1800
    assert decide(guard).acts
    assert decide(guard).escalated
    clock.now += 1801  # the first action is now older than an hour; the second is not
    assert decide(guard).acts
    assert decide(guard).escalated  # a fresh episode over the cap escalates again


def test_zero_forbids_every_automatic_action(datastore):
    guard = guard_for(datastore, Clock(), max_per_hour=0)
    assert decide(guard).escalated
    assert decide(guard).outcome == "skipped"


def test_dry_run_logs_what_it_would_do_and_acts_never(datastore):
    guard = guard_for(datastore, Clock(), max_per_hour=1, dry_run=True)
    first, second = decide(guard), decide(guard)
    assert not first.acts and first.outcome == "skipped" and first.dry_run
    assert first.reason.startswith("dry run: would raise memory 512 -> 768 MB")
    assert second.escalated and second.dry_run


def test_a_dry_run_leaves_the_real_budget_untouched(datastore):
    clock = Clock()
    dry = guard_for(datastore, clock, max_per_hour=1, dry_run=True)
    decide(dry), decide(dry)
    assert decide(guard_for(datastore, clock, max_per_hour=1)).acts


def test_the_top_level_dry_run_switches_every_section(datastore):
    guard = automation.Guard.from_config(
        datastore, {"dry_run": True, "scaling": {}}, "scaling", Clock()
    )
    decision = guard.decide("dev", "add 2 agents", kind="scale_out")
    assert decision.dry_run and not decision.acts


def test_skip_and_settle_are_logged_with_trigger_reason_and_time(datastore):
    clock = Clock()
    guard = guard_for(datastore, clock)
    decision = decide(guard)
    clock.now += 5
    guard.settle(decision, "succeeded", "checks pass at 768 MB")
    guard.skip(
        "qa1/web",
        "flapping: 5 failures in 600 s",
        {"state": "TASK_FAILED"},
        kind="flapping",
        env="qa1",
        app="web",
    )
    newest, oldest = automation.history(datastore, app="web")
    assert (newest["decision"], newest["reason"]) == ("skipped", "flapping: 5 failures in 600 s")
    assert newest["trigger"] == {"state": "TASK_FAILED"} and newest["kind"] == "flapping"
    assert (oldest["result"], oldest["detail"]) == ("succeeded", "checks pass at 768 MB")
    assert oldest["time"] == "2023-11-14T22:13:20Z"
    assert oldest["settled_at"] == "2023-11-14T22:13:25Z"


def test_skips_use_no_budget(datastore):
    guard = guard_for(datastore, Clock(), max_per_hour=1)
    for _ in range(3):
        guard.skip("qa1/web", "flapping", kind="flapping", app="web")
    assert decide(guard).acts


def test_the_log_keeps_the_newest_decisions_per_key(datastore):
    clock = Clock()
    guard = guard_for(datastore, clock, max_per_hour=100, history_per_key=3)
    for number in range(5):
        clock.now += 1
        guard.skip("qa1/web", "reason %d" % number, app="web")
    guard.skip("qa1/api", "other app", app="api")
    assert [r["reason"] for r in automation.history(datastore, key="qa1/web")] == [
        "reason 4",
        "reason 3",
        "reason 2",
    ]
    assert [r["reason"] for r in automation.history(datastore, app="api")] == ["other app"]


def test_keys_never_nest(datastore):
    guard = guard_for(datastore, Clock(), history_per_key=1)
    guard.skip("qa1", "cluster-wide", app=None)
    guard.skip("qa1/web", "one app", app="web")
    guard.skip("qa1.web", "dotted", app="web")
    assert len(automation.history(datastore)) == 3


def test_history_by_app_spans_environments_unless_one_is_named(datastore):
    guard = guard_for(datastore, Clock())
    guard.skip("qa1/web", "in qa1", env="qa1", app="web")
    guard.skip("qa2/web", "in qa2", env="qa2", app="web")
    assert len(automation.history(datastore, app="web")) == 2
    assert [r["reason"] for r in automation.history(datastore, app="web", env="qa2")] == ["in qa2"]


@pytest.mark.parametrize("value", [-1, "three", 1.5, True])
def test_a_bad_cap_is_one_line_naming_the_key_and_the_fix(datastore, value):
    with pytest.raises(ConfigError) as caught:
        guard_for(datastore, Clock(), max_per_hour=value)
    assert str(caught.value).startswith("remediation.max_per_hour is ")
    assert "fix: set it to a whole number >= 0" in str(caught.value)
