"""StackStorm's built-in timer triggers, as st2timersengine runs them:
`core.st2.IntervalTimer` {unit: weeks|days|hours|minutes|seconds, delta}, `core.st2.CronTimer`
(APScheduler's CronTrigger, see cron.py) and `core.st2.DateTimer` {date} (fires once; a date in the
past is not scheduled). Cron and date timers read their times in parameters.timezone, else in the
host's local time zone (TZ, else /etc/localtime), as APScheduler does for StackStorm: its
timersengine.local_timezone setting does not reach the triggers it builds.

Each distinct (type, parameters) is one timer, shared by every enabled rule that uses it
(StackStorm keeps one trigger per type and parameters). A firing dispatches StackStorm's
payload: {"executed_at": "2026-01-02 03:04:05.678901+00:00", "schedule": None}.

dispatch(trigger_ref, payload) is called from the timer's thread, inside
dispatch_scope.trigger_parameters_scope, so that evaluate_rules called synchronously from it
considers only that timer's rules. A dispatch that accepts a `trigger_parameters` keyword (or
**kwargs) also receives the timer's parameters explicitly.
"""

import datetime
import inspect
import logging
import threading

from st2lite.rules.cron import CronError, CronSchedule
from st2lite.rules.dates import parse_date
from st2lite.rules.dispatch_scope import trigger_parameters_scope

__all__ = ["TimerScheduler", "TimerError", "INTERVAL_TIMER", "CRON_TIMER", "DATE_TIMER"]

INTERVAL_TIMER = "core.st2.IntervalTimer"
CRON_TIMER = "core.st2.CronTimer"
DATE_TIMER = "core.st2.DateTimer"
_UNIT_SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}
_LOG = logging.getLogger("st2lite.timers")


class TimerError(ValueError):
    """A timer rule whose parameters cannot be scheduled; one line naming the rule."""


def _utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def interval_seconds(parameters, rule_ref="?"):
    unit, delta = parameters.get("unit"), parameters.get("delta")
    if unit not in _UNIT_SECONDS:
        raise TimerError(
            "rule %s: trigger.parameters.unit %r must be one of %s"
            % (rule_ref, unit, ", ".join(_UNIT_SECONDS))
        )
    if isinstance(delta, bool) or not isinstance(delta, int) or delta < 1:
        raise TimerError(
            "rule %s: trigger.parameters.delta %r must be a whole number >= 1" % (rule_ref, delta)
        )
    return delta * _UNIT_SECONDS[unit]


class IntervalSchedule(object):
    def __init__(self, seconds):
        self.seconds = seconds

    def next_after(self, moment):
        return moment + datetime.timedelta(seconds=self.seconds)


class DateSchedule(object):
    def __init__(self, when):
        self.when = when

    def next_after(self, moment):
        return self.when if self.when > moment else None


def _timezone(parameters, rule_ref):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = parameters.get("timezone")
    if name is None:
        from tzlocal import get_localzone  # APScheduler's own default (tzlocal comes with it)

        return get_localzone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise TimerError(
            "rule %s: trigger.parameters.timezone %r is not a known time zone "
            "(e.g. UTC, Asia/Shanghai)" % (rule_ref, name)
        ) from error


def _date_schedule(parameters, rule_ref):
    try:
        when = parse_date(str(parameters.get("date")))
    except (ValueError, OverflowError) as error:
        raise TimerError(
            "rule %s: trigger.parameters.date %r is not a date: %s"
            % (rule_ref, parameters.get("date"), error)
        ) from error
    if when.tzinfo is None:
        when = when.replace(tzinfo=_timezone(parameters, rule_ref))
    return DateSchedule(when.astimezone(datetime.timezone.utc))


def make_schedule(trigger_type, parameters, rule_ref="?"):
    if trigger_type == INTERVAL_TIMER:
        return IntervalSchedule(interval_seconds(parameters, rule_ref))
    if trigger_type == CRON_TIMER:
        try:
            return CronSchedule(parameters, _timezone(parameters, rule_ref))
        except CronError as error:
            raise TimerError("rule %s: %s" % (rule_ref, error)) from error
    if trigger_type == DATE_TIMER:
        return _date_schedule(parameters, rule_ref)
    raise TimerError("rule %s: %s is not a timer trigger" % (rule_ref, trigger_type))


def _accepts_trigger_parameters(dispatch):
    try:
        parameters = inspect.signature(dispatch).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind == p.VAR_KEYWORD or p.name == "trigger_parameters" for p in parameters)


class Timer(object):
    def __init__(self, trigger_type, parameters, schedule):
        self.trigger_type = trigger_type
        self.parameters = parameters
        self.schedule = schedule


class TimerScheduler(object):
    def __init__(self, rules, dispatch):
        self._dispatch = dispatch
        self._pass_parameters = _accepts_trigger_parameters(dispatch)
        self._stop = threading.Event()
        self._threads = []
        self.timers = self._collect(rules)

    @staticmethod
    def _collect(rules):
        timers = []
        for rule in rules:
            trigger = rule.get("trigger") or {}
            kind = trigger.get("type")
            if not rule.get("enabled", True) or kind not in (
                INTERVAL_TIMER,
                CRON_TIMER,
                DATE_TIMER,
            ):
                continue
            parameters = dict(trigger.get("parameters") or {})
            if any(t.trigger_type == kind and t.parameters == parameters for t in timers):
                continue
            schedule = make_schedule(kind, parameters, rule.get("ref") or rule.get("name"))
            timers.append(Timer(kind, parameters, schedule))
        return timers

    def start(self):
        for timer in self.timers:
            thread = threading.Thread(
                target=self._run, args=(timer,), daemon=True, name="timer:%s" % timer.trigger_type
            )
            self._threads.append(thread)
            thread.start()
        return self

    def _run(self, timer):
        fire_at = timer.schedule.next_after(_utc_now())
        if fire_at is None:
            _LOG.warning("Not scheduling expired timer %s %s", timer.trigger_type, timer.parameters)
        while fire_at is not None:
            if self._stop.wait(max((fire_at - _utc_now()).total_seconds(), 0)):
                return
            self._fire(timer)
            following = timer.schedule.next_after(fire_at)
            if following is not None and following <= _utc_now():  # fell behind: skip missed runs
                following = timer.schedule.next_after(_utc_now())
            fire_at = following

    def _fire(self, timer):
        payload = {"executed_at": str(_utc_now()), "schedule": timer.parameters.get("time")}
        try:
            with trigger_parameters_scope(timer.trigger_type, timer.parameters):
                if self._pass_parameters:
                    self._dispatch(
                        timer.trigger_type, payload, trigger_parameters=dict(timer.parameters)
                    )
                else:
                    self._dispatch(timer.trigger_type, payload)
        except Exception:
            _LOG.exception("Dispatching %s failed", timer.trigger_type)

    def stop(self, timeout=1.0):
        """Stop every timer; returns within `timeout` seconds unless a dispatch is still running."""
        self._stop.set()
        deadline = _utc_now() + datetime.timedelta(seconds=timeout)
        for thread in self._threads:
            thread.join(max((deadline - _utc_now()).total_seconds(), 0))
        return not any(thread.is_alive() for thread in self._threads)
