"""core.st2.IntervalTimer: StackStorm's payload, one timer per distinct parameters, prompt stop."""
import datetime
import threading
import time

import pytest

from st2lite.rules.timers import TimerError, TimerScheduler


def timer_rule(name, unit="seconds", delta=1, enabled=True):
    return {"name": name, "ref": "tst.%s" % name, "enabled": enabled,
            "trigger": {"type": "core.st2.IntervalTimer", "parameters": {"unit": unit, "delta": delta}},
            "action": {"ref": "core.noop"}}


class Recorder(object):
    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()

    def __call__(self, ref, payload, trigger_parameters=None):
        with self.lock:
            self.calls.append((time.monotonic(), ref, payload, trigger_parameters))


def test_fires_each_interval_with_stackstorms_payload():
    recorder = Recorder()
    rules = [timer_rule("every_second"), timer_rule("same_timer"),
             timer_rule("every_two", delta=2), timer_rule("off", delta=1, enabled=False),
             {"name": "other", "enabled": True, "trigger": {"type": "tst.event"}}]
    scheduler = TimerScheduler(rules, recorder)
    assert [t.parameters for t in scheduler.timers] == [{"unit": "seconds", "delta": 1},
                                                        {"unit": "seconds", "delta": 2}]
    started = time.monotonic()
    scheduler.start()
    time.sleep(2.5)
    assert scheduler.stop() is True
    calls = list(recorder.calls)
    one = [c for c in calls if c[3] == {"unit": "seconds", "delta": 1}]
    two = [c for c in calls if c[3] == {"unit": "seconds", "delta": 2}]
    assert len(one) == 2 and len(two) == 1
    assert 0.9 <= one[0][0] - started <= 1.5 and 1.9 <= two[0][0] - started <= 2.5
    _, ref, payload, _ = one[0]
    assert ref == "core.st2.IntervalTimer"
    assert set(payload) == {"executed_at", "schedule"} and payload["schedule"] is None
    executed = datetime.datetime.fromisoformat(payload["executed_at"])
    assert executed.utcoffset() == datetime.timedelta(0)
    assert " " in payload["executed_at"]  # str(datetime), as StackStorm formats it
    assert abs((datetime.datetime.now(datetime.timezone.utc) - executed).total_seconds()) < 5


def test_two_argument_dispatch_gets_only_ref_and_payload():
    calls = []
    scheduler = TimerScheduler([timer_rule("t")], lambda ref, payload: calls.append((ref, payload)))
    scheduler.start()
    time.sleep(1.3)
    scheduler.stop()
    assert len(calls) == 1 and calls[0][0] == "core.st2.IntervalTimer"


def test_stop_joins_within_one_second_even_for_long_intervals():
    scheduler = TimerScheduler([timer_rule("weekly", unit="weeks", delta=1)], Recorder()).start()
    started = time.monotonic()
    assert scheduler.stop() is True
    assert time.monotonic() - started < 1


def test_hours_and_minutes_are_converted():
    scheduler = TimerScheduler([timer_rule("h", unit="hours", delta=2), timer_rule("m", unit="minutes", delta=3)],
                               Recorder())
    assert [t.schedule.seconds for t in scheduler.timers] == [7200, 180]


@pytest.mark.parametrize("unit,delta,message", [
    ("fortnights", 1, "rule tst.bad: trigger.parameters.unit 'fortnights' must be one of"),
    ("seconds", 0, "rule tst.bad: trigger.parameters.delta 0 must be a whole number >= 1"),
    ("seconds", "5", "trigger.parameters.delta '5' must be a whole number"),
])
def test_bad_parameters_name_the_rule(unit, delta, message):
    with pytest.raises(TimerError) as caught:
        TimerScheduler([timer_rule("bad", unit=unit, delta=delta)], Recorder())
    assert message in str(caught.value)


def test_each_timer_sets_off_only_its_own_rules_through_a_plain_dispatch():
    from st2lite.rules import evaluate_rules
    rules = [timer_rule("every_second"), timer_rule("every_two", delta=2)]
    fired, lock = [], threading.Lock()

    def dispatch(ref, payload):  # what a runtime does: evaluate rules on the same thread
        decisions = evaluate_rules(rules, ref, payload)
        with lock:
            fired.extend(d.rule_ref for d in decisions)

    scheduler = TimerScheduler(rules, dispatch).start()
    time.sleep(2.5)
    scheduler.stop()
    assert sorted(fired) == ["tst.every_second", "tst.every_second", "tst.every_two"]
    # outside a timer's dispatch, every rule of the type is considered
    assert len(evaluate_rules(rules, "core.st2.IntervalTimer", {})) == 2
