"""`core.st2.CronTimer` schedules, built as StackStorm builds them: the rule's trigger parameters
are checked as StackStorm's API checks them (st2common's cron parameter schema, then APScheduler's
CronTrigger on each field), and an APScheduler CronTrigger computes the fire times.

Fields: year, month, day, week (ISO week), day_of_week (0 = mon, or mon..sun), hour, minute,
second, each in APScheduler's forms (`*`, `*/n`, `a`, `a-b`, `a-b/n`, comma lists, names, and for
day also `xth y` and `last x`, e.g. `2nd fri`, `last sun`, `last`). Fields more significant than the
least significant one given default to `*`, the others to their minimum: {hour: 3} fires daily at
03:00:00. APScheduler is imported here only, when a cron timer is built."""

import datetime

__all__ = ["CronSchedule", "CronError", "CRON_FIELDS"]

CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")
# The bounds st2common's CRON_PARAMETERS_SCHEMA sets on a field given as an integer (text is
# checked by APScheduler alone).
_INTEGER_BOUNDS = {
    "month": (1, 12),
    "day": (1, 31),
    "week": (1, 53),
    "day_of_week": (0, 6),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
}


class CronError(ValueError):
    """Cron timer parameters StackStorm refuses; one line naming the field."""


def _check_schema(parameters):
    unknown = sorted(set(parameters) - set(CRON_FIELDS) - {"timezone"})
    if unknown:
        raise CronError(
            "cron: unknown field(s) %s; use %s or timezone"
            % (", ".join(unknown), ", ".join(CRON_FIELDS))
        )
    for field in CRON_FIELDS:
        if field not in parameters:
            continue
        value = parameters[field]
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise CronError(
                "cron field %s: %r must be a whole number or text such as '*/5'" % (field, value)
            )
        bounds = _INTEGER_BOUNDS.get(field)
        if isinstance(value, int) and bounds and not bounds[0] <= value <= bounds[1]:
            raise CronError("cron field %s: %d is outside %d-%d" % ((field, value) + bounds))


def _fields(parameters, trigger_class):
    """The given fields, each one read by APScheduler so that a refusal names its field."""
    fields = {f: parameters[f] for f in CRON_FIELDS if f in parameters}
    for field, value in fields.items():
        try:
            trigger_class(timezone=datetime.timezone.utc, **{field: value})
        except ValueError as error:
            raise CronError("cron field %s: %r: %s" % (field, value, error)) from error
    return fields


class CronSchedule(object):
    """The fire times of a cron timer. `timezone` (a tzinfo) is the zone its fields are read in,
    resolved by the caller from the parameters' `timezone`, as StackStorm's timers engine does."""

    def __init__(self, parameters, timezone):
        _check_schema(parameters)
        from apscheduler.triggers.cron import CronTrigger

        self._trigger = CronTrigger(timezone=timezone, **_fields(parameters, CronTrigger))

    def next_after(self, after):
        """The first fire time strictly after `after` (an aware datetime), in UTC, or None when
        there is none (as for February 30th)."""
        fire_at = self._trigger.get_next_fire_time(None, after + datetime.timedelta(microseconds=1))
        return None if fire_at is None else fire_at.astimezone(datetime.timezone.utc)
