"""Interval timers (`core.st2.IntervalTimer`), as StackStorm's st2timersengine runs them.

Each distinct set of timer parameters ({unit, delta}) is one timer, shared by every enabled rule
that uses it (StackStorm keeps one trigger per type and parameters). A timer first fires one
interval after start(), then at a fixed rate, dispatching a trigger instance whose payload is
StackStorm's: {"executed_at": "2026-01-02 03:04:05.678901+00:00", "schedule": None}.

dispatch(trigger_ref, payload) is called from the timer's thread. If dispatch also accepts a
`trigger_parameters` keyword (or **kwargs), it receives the timer's parameters too, so that the
rules engine can evaluate only the rules of that timer (evaluate_rules(..., trigger_parameters)).
"""
import datetime
import inspect
import logging
import threading
import time

__all__ = ["TimerScheduler", "TimerError", "INTERVAL_TIMER"]

INTERVAL_TIMER = "core.st2.IntervalTimer"
_UNIT_SECONDS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


class TimerError(ValueError):
    """A timer rule whose parameters cannot be scheduled; one line naming the rule."""


def interval_seconds(parameters, rule_ref="?"):
    unit, delta = parameters.get("unit"), parameters.get("delta")
    if unit not in _UNIT_SECONDS:
        raise TimerError("rule %s: trigger.parameters.unit %r must be one of %s"
                         % (rule_ref, unit, ", ".join(_UNIT_SECONDS)))
    if isinstance(delta, bool) or not isinstance(delta, int) or delta < 1:
        raise TimerError("rule %s: trigger.parameters.delta %r must be a whole number >= 1"
                         % (rule_ref, delta))
    return delta * _UNIT_SECONDS[unit]


def _accepts_trigger_parameters(dispatch):
    try:
        parameters = inspect.signature(dispatch).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind == p.VAR_KEYWORD or p.name == "trigger_parameters" for p in parameters)


class TimerScheduler(object):
    def __init__(self, rules, dispatch):
        self._dispatch = dispatch
        self._pass_parameters = _accepts_trigger_parameters(dispatch)
        self._stop = threading.Event()
        self._threads = []
        self.timers = self._collect(rules)  # [(parameters, seconds)], one per distinct timer

    @staticmethod
    def _collect(rules):
        timers = []
        for rule in rules:
            trigger = rule.get("trigger") or {}
            if not rule.get("enabled", True) or trigger.get("type") != INTERVAL_TIMER:
                continue
            parameters = dict(trigger.get("parameters") or {})
            seconds = interval_seconds(parameters, rule.get("ref") or rule.get("name"))
            if all(existing != parameters for existing, _ in timers):
                timers.append((parameters, seconds))
        return timers

    def start(self):
        for parameters, seconds in self.timers:
            thread = threading.Thread(target=self._run, args=(parameters, seconds), daemon=True,
                                      name="timer:%s" % seconds)
            self._threads.append(thread)
            thread.start()
        return self

    def _run(self, parameters, seconds):
        next_fire = time.monotonic() + seconds
        while not self._stop.wait(max(next_fire - time.monotonic(), 0)):
            self._fire(parameters)
            next_fire += seconds
            if next_fire < time.monotonic():  # fell behind (slow dispatch): skip missed ticks
                next_fire = time.monotonic() + seconds

    def _fire(self, parameters):
        payload = {"executed_at": str(datetime.datetime.now(datetime.timezone.utc)),
                   "schedule": parameters.get("time")}
        try:
            if self._pass_parameters:
                self._dispatch(INTERVAL_TIMER, payload, trigger_parameters=dict(parameters))
            else:
                self._dispatch(INTERVAL_TIMER, payload)
        except Exception:
            logging.getLogger("st2lite.timers").exception("Dispatching %s failed", INTERVAL_TIMER)

    def stop(self, timeout=1.0):
        """Stop every timer; returns within `timeout` seconds unless a dispatch is still running."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0))
        return not any(thread.is_alive() for thread in self._threads)
