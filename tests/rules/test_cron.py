"""core.st2.CronTimer and core.st2.DateTimer schedules, read as StackStorm (APScheduler) reads them."""

import datetime

import pytest
from helpers import DispatchRecorder
from zoneinfo import ZoneInfo

from st2lite.rules.cron import CronError, CronSchedule
from st2lite.rules.timers import TimerError, TimerScheduler

UTC = datetime.timezone.utc


def at(text, zone=UTC):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=zone)


def following(parameters, after, count=3, zone=UTC):
    schedule, moments, moment = CronSchedule(parameters, zone), [], at(after)
    for _ in range(count):
        moment = schedule.next_after(moment)
        moments.append(moment.astimezone(zone).strftime("%Y-%m-%d %a %H:%M:%S"))
    return moments


def test_hour_only_fires_daily_at_the_top_of_the_hour():
    assert following({"hour": 3}, "2026-03-10T12:00:00") == [
        "2026-03-11 Wed 03:00:00",
        "2026-03-12 Thu 03:00:00",
        "2026-03-13 Fri 03:00:00",
    ]


def test_more_significant_fields_are_every_value():
    assert following({"minute": "*/20"}, "2026-03-10T12:05:00") == [
        "2026-03-10 Tue 12:20:00",
        "2026-03-10 Tue 12:40:00",
        "2026-03-10 Tue 13:00:00",
    ]


def test_weekday_names_and_ranges():
    assert following(
        {"day_of_week": "mon-fri", "hour": 9, "minute": 30}, "2026-03-13T10:00:00"
    ) == ["2026-03-16 Mon 09:30:00", "2026-03-17 Tue 09:30:00", "2026-03-18 Wed 09:30:00"]
    assert following({"day_of_week": "sat,sun", "hour": 0}, "2026-03-10T00:00:00", 2) == [
        "2026-03-14 Sat 00:00:00",
        "2026-03-15 Sun 00:00:00",
    ]


def test_last_day_of_month_and_month_names():
    assert following({"day": "last", "hour": 23}, "2026-01-31T23:30:00", 3) == [
        "2026-02-28 Sat 23:00:00",
        "2026-03-31 Tue 23:00:00",
        "2026-04-30 Thu 23:00:00",
    ]
    assert following({"month": "feb", "day": 29}, "2026-01-01T00:00:00", 1) == [
        "2028-02-29 Tue 00:00:00"
    ]


def test_xth_weekday_of_the_month():
    assert following({"day": "2nd fri", "hour": 10}, "2026-03-10T00:00:00") == [
        "2026-03-13 Fri 10:00:00",
        "2026-04-10 Fri 10:00:00",
        "2026-05-08 Fri 10:00:00",
    ]


def test_last_weekday_of_the_month_next_to_a_first_one():
    assert following({"day": "1st mon,last fri", "hour": 9}, "2026-03-01T00:00:00", 4) == [
        "2026-03-02 Mon 09:00:00",
        "2026-03-27 Fri 09:00:00",
        "2026-04-06 Mon 09:00:00",
        "2026-04-24 Fri 09:00:00",
    ]


def test_a_date_that_never_comes_is_never_scheduled():
    assert CronSchedule({"month": 2, "day": 30}, UTC).next_after(at("2026-01-01T00:00:00")) is None


def test_no_fields_fires_every_second():
    assert following({}, "2026-03-10T12:00:00", 2) == [
        "2026-03-10 Tue 12:00:01",
        "2026-03-10 Tue 12:00:02",
    ]


def test_times_are_read_in_the_timezone():
    schedule = CronSchedule({"hour": 9}, ZoneInfo("Asia/Shanghai"))
    assert schedule.next_after(at("2026-03-10T00:00:00")) == at("2026-03-10T01:00:00")


@pytest.mark.parametrize(
    "parameters,message",
    [
        ({"hour": 25}, "cron field hour: 25 is outside 0-23"),
        (
            {"hour": "25"},
            "cron field hour: '25': Error validating expression '25': the last value "
            "(25) is higher than the maximum value (23)",
        ),
        ({"hour": True}, "cron field hour: True must be a whole number or text such as '*/5'"),
        ({"hour": None}, "cron field hour: None must be a whole number or text such as '*/5'"),
        (
            {"day_of_week": "funday"},
            "cron field day_of_week: 'funday': Invalid weekday name \"funday\"",
        ),
        (
            {"day": "6th fri"},
            'cron field day: \'6th fri\': Unrecognized expression "6th fri" for field "day"',
        ),
        (
            {"minute": "5-1"},
            "cron field minute: '5-1': The minimum value in a range must not be "
            "higher than the maximum",
        ),
        (
            {"hours": 1},
            "cron: unknown field(s) hours; use year, month, day, week, day_of_week, hour, "
            "minute, second or timezone",
        ),
    ],
)
def test_bad_fields(parameters, message):
    with pytest.raises(CronError) as caught:
        CronSchedule(parameters, UTC)
    assert str(caught.value) == message


def timer_rule(kind, parameters, name="t"):
    return {
        "name": name,
        "ref": "tst.%s" % name,
        "enabled": True,
        "action": {"ref": "core.noop"},
        "trigger": {"type": kind, "parameters": parameters},
    }


def of_type(calls, trigger_type):
    return [call for call in calls if call[0] == trigger_type]


def run_until(rules, predicate):
    """The timers' dispatches (ref, payload, trigger_parameters), once predicate(calls) holds."""
    recorder = DispatchRecorder()
    scheduler = TimerScheduler(rules, recorder).start()
    fired = recorder.wait_for(predicate)
    assert scheduler.stop() is True
    assert fired, "the timers did not fire as expected: %s" % recorder.calls
    return list(recorder.calls)


def test_cron_and_date_timers_dispatch_their_trigger_types():
    soon = (datetime.datetime.now(UTC) + datetime.timedelta(seconds=1)).isoformat()
    calls = run_until(
        [
            timer_rule("core.st2.CronTimer", {"second": "*", "timezone": "UTC"}, "c"),
            timer_rule("core.st2.DateTimer", {"date": soon}, "d"),
            timer_rule("core.st2.DateTimer", {"date": "2001-01-01 00:00:00"}, "past"),
        ],
        lambda calls: (
            len(of_type(calls, "core.st2.CronTimer")) >= 2 and of_type(calls, "core.st2.DateTimer")
        ),
    )
    cron = of_type(calls, "core.st2.CronTimer")
    dates = of_type(calls, "core.st2.DateTimer")
    assert len(dates) == 1 and dates[0][2] == {"date": soon}  # once; the past date never
    assert set(cron[0][1]) == {"executed_at", "schedule"}


@pytest.fixture
def host_in_shanghai(monkeypatch):
    import tzlocal

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    tzlocal.reload_localzone()
    yield
    monkeypatch.undo()
    tzlocal.reload_localzone()


def test_without_a_timezone_the_fields_are_read_in_the_hosts_time_zone(host_in_shanghai):
    scheduler = TimerScheduler([timer_rule("core.st2.CronTimer", {"hour": 9})], lambda r, p: None)
    schedule = scheduler.timers[0].schedule
    assert schedule.next_after(at("2026-03-10T00:00:00")) == at("2026-03-10T01:00:00")


def test_bad_timer_parameters_name_the_rule():
    with pytest.raises(TimerError, match="rule tst.t: cron field hour"):
        TimerScheduler([timer_rule("core.st2.CronTimer", {"hour": 99})], lambda r, p: None)
    with pytest.raises(TimerError, match="rule tst.t: cron field day: 'last funday'"):
        TimerScheduler(
            [timer_rule("core.st2.CronTimer", {"day": "last funday"})], lambda r, p: None
        )
    with pytest.raises(TimerError, match="rule tst.t: trigger.parameters.timezone 'Mars/Olympus'"):
        TimerScheduler(
            [timer_rule("core.st2.CronTimer", {"hour": 1, "timezone": "Mars/Olympus"})],
            lambda r, p: None,
        )
    with pytest.raises(
        TimerError, match="rule tst.t: trigger.parameters.date 'someday' is not a date"
    ):
        TimerScheduler([timer_rule("core.st2.DateTimer", {"date": "someday"})], lambda r, p: None)
