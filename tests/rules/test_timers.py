"""core.st2.IntervalTimer: StackStorm's payload, one timer per distinct parameters, prompt stop."""

import datetime
import threading

import pytest
from helpers import DispatchRecorder

from st2lite.rules.timers import TimerError, TimerScheduler

EVERY_SECOND = {"unit": "seconds", "delta": 1}
EVERY_TWO = {"unit": "seconds", "delta": 2}


def timer_rule(name, unit="seconds", delta=1, enabled=True):
    return {
        "name": name,
        "ref": "tst.%s" % name,
        "enabled": enabled,
        "trigger": {"type": "core.st2.IntervalTimer", "parameters": {"unit": unit, "delta": delta}},
        "action": {"ref": "core.noop"},
    }


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def fired_at(call):
    return datetime.datetime.fromisoformat(call[1]["executed_at"])


def of_timer(calls, parameters):
    return [call for call in calls if call[2] == parameters]


def test_fires_each_interval_with_stackstorms_payload():
    recorder = DispatchRecorder()
    rules = [
        timer_rule("every_second"),
        timer_rule("same_timer"),
        timer_rule("every_two", delta=2),
        timer_rule("off", delta=1, enabled=False),
        {"name": "other", "enabled": True, "trigger": {"type": "tst.event"}},
    ]
    scheduler = TimerScheduler(rules, recorder)
    assert [t.parameters for t in scheduler.timers] == [EVERY_SECOND, EVERY_TWO]
    started = utc_now()
    scheduler.start()
    fired = recorder.wait_for(
        lambda calls: len(of_timer(calls, EVERY_SECOND)) >= 2 and of_timer(calls, EVERY_TWO)
    )
    assert scheduler.stop() is True
    assert fired, recorder.calls
    stopped = utc_now()
    one, two = of_timer(recorder.calls, EVERY_SECOND), of_timer(recorder.calls, EVERY_TWO)
    # The n-th firing comes no sooner than n intervals after the start: one dispatch per timer,
    # however many rules share it.
    assert all(
        fired_at(call) >= started + datetime.timedelta(seconds=n) for n, call in enumerate(one, 1)
    )
    assert all(
        fired_at(call) >= started + datetime.timedelta(seconds=2 * n)
        for n, call in enumerate(two, 1)
    )
    ref, payload, _ = one[0]
    assert ref == "core.st2.IntervalTimer"
    assert set(payload) == {"executed_at", "schedule"} and payload["schedule"] is None
    executed = datetime.datetime.fromisoformat(payload["executed_at"])
    assert executed.utcoffset() == datetime.timedelta(0)
    assert " " in payload["executed_at"]  # str(datetime), as StackStorm formats it
    assert started <= executed <= stopped  # the time of the firing


def test_two_argument_dispatch_gets_only_ref_and_payload():
    calls, fired = [], threading.Event()

    def dispatch(ref, payload):  # a trigger_parameters keyword would make this call raise
        calls.append((ref, payload))
        fired.set()

    scheduler = TimerScheduler([timer_rule("t")], dispatch).start()
    fired.wait(10)
    scheduler.stop()
    assert calls, "the timer never dispatched"
    assert calls[0][0] == "core.st2.IntervalTimer"
    assert set(calls[0][1]) == {"executed_at", "schedule"}


def test_stop_ends_a_timer_waiting_on_a_long_interval():
    scheduler = TimerScheduler(
        [timer_rule("weekly", unit="weeks", delta=1)], DispatchRecorder()
    ).start()
    assert scheduler.stop() is True  # the timer's thread ended within stop's one-second bound


def test_hours_and_minutes_are_converted():
    scheduler = TimerScheduler(
        [timer_rule("h", unit="hours", delta=2), timer_rule("m", unit="minutes", delta=3)],
        DispatchRecorder(),
    )
    assert [t.schedule.seconds for t in scheduler.timers] == [7200, 180]


@pytest.mark.parametrize(
    "unit,delta,message",
    [
        ("fortnights", 1, "rule tst.bad: trigger.parameters.unit 'fortnights' must be one of"),
        ("seconds", 0, "rule tst.bad: trigger.parameters.delta 0 must be a whole number >= 1"),
        ("seconds", "5", "trigger.parameters.delta '5' must be a whole number"),
    ],
)
def test_bad_parameters_name_the_rule(unit, delta, message):
    with pytest.raises(TimerError) as caught:
        TimerScheduler([timer_rule("bad", unit=unit, delta=delta)], DispatchRecorder())
    assert message in str(caught.value)


def test_each_timer_sets_off_only_its_own_rules_through_a_plain_dispatch():
    from st2lite.rules import evaluate_rules

    rules = [timer_rule("every_second"), timer_rule("every_two", delta=2)]
    set_off, changed = [], threading.Condition()  # per firing, the rules it set off

    def dispatch(ref, payload):  # what a runtime does: evaluate rules on the same thread
        refs = [d.rule_ref for d in evaluate_rules(rules, ref, payload)]
        with changed:
            set_off.append(refs)
            changed.notify_all()

    def both_fired():
        return {ref for refs in set_off for ref in refs} == {"tst.every_second", "tst.every_two"}

    scheduler = TimerScheduler(rules, dispatch).start()
    with changed:
        fired = changed.wait_for(both_fired, 10)
    scheduler.stop()
    assert fired, set_off
    assert all(len(refs) == 1 for refs in set_off), set_off
    # outside a timer's dispatch, every rule of the type is considered
    assert len(evaluate_rules(rules, "core.st2.IntervalTimer", {})) == 2
