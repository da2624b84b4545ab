"""`core.st2.CronTimer` schedules, read as StackStorm reads them (APScheduler's CronTrigger):
fields year, month, day, week (ISO week), day_of_week (0 = mon, or mon..sun), hour, minute,
second; each `*`, `*/n`, `a`, `a-b`, `a-b/n` or a comma list of those (names allowed for months
and weekdays, `last` for day). Fields more significant than the least significant one given
default to `*`, the others to their minimum: {hour: 3} fires daily at 03:00:00."""
import datetime
import re

__all__ = ["CronSchedule", "CronError", "CRON_FIELDS"]

CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")
_DEFAULTS = {"year": "*", "month": 1, "day": 1, "week": "*", "day_of_week": "*",
             "hour": 0, "minute": 0, "second": 0}
_RANGES = {"year": (1970, 9999), "month": (1, 12), "day": (1, 31), "week": (1, 53),
           "day_of_week": (0, 6), "hour": (0, 23), "minute": (0, 59), "second": (0, 59)}
_NAMES = {
    "month": {n: i + 1 for i, n in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))},
    "day_of_week": {n: i for i, n in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
}
_PART = re.compile(r"^(?:(\*)|(\w+)(?:-(\w+))?)(?:/(\d+))?$")


class CronError(ValueError):
    """A cron field that cannot be read; one line naming the field."""


def _number(field, text):
    text = str(text).strip().lower()
    if text in _NAMES.get(field, {}):
        return _NAMES[field][text]
    if not text.isdigit():
        raise CronError("cron field %s: %r is not a number%s" % (
            field, text, " or a name" if field in _NAMES else ""))
    value = int(text)
    low, high = _RANGES[field]
    if not low <= value <= high:
        raise CronError("cron field %s: %d is outside %d-%d" % (field, value, low, high))
    return value


def _part_matcher(field, part):
    """A predicate(value, last_day_of_month) for one comma-separated part of a field."""
    if field == "day" and part == "last":
        return lambda value, last_day: value == last_day
    match = _PART.match(part)
    if not match:
        raise CronError("cron field %s: cannot read %r (use *, */n, a, a-b or a-b/n)" % (field, part))
    star, first, last, step = match.groups()
    low, high = _RANGES[field]
    start = low if star else _number(field, first)
    end = high if star else (_number(field, last) if last else (high if step else start))
    every = int(step) if step else 1
    if every < 1 or end < start:
        raise CronError("cron field %s: %r is an empty range" % (field, part))
    return lambda value, last_day: start <= value <= end and (value - start) % every == 0


def _field_matcher(field, expression):
    parts = [_part_matcher(field, p.strip()) for p in str(expression).lower().split(",")]
    return lambda value, last_day: any(part(value, last_day) for part in parts)


def _expressions(parameters):
    """Each field's expression, with APScheduler's defaults for the fields not given."""
    given = {k: v for k, v in parameters.items() if k in CRON_FIELDS}
    remaining, expressions, use_minimums = dict(given), {}, False
    for field in CRON_FIELDS:
        if field in remaining:
            expressions[field] = remaining.pop(field)
            use_minimums = not remaining
        else:
            expressions[field] = _DEFAULTS[field] if use_minimums else "*"
    return expressions


def _last_day(moment):
    following = (moment.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return (following - datetime.timedelta(days=1)).day


class CronSchedule(object):
    def __init__(self, parameters, timezone):
        unknown = sorted(set(parameters) - set(CRON_FIELDS) - {"timezone"})
        if unknown:
            raise CronError("cron: unknown field(s) %s; use %s" % (", ".join(unknown), ", ".join(CRON_FIELDS)))
        self.timezone = timezone
        self._match = {field: _field_matcher(field, expression)
                       for field, expression in _expressions(parameters).items()}

    def _date_matches(self, moment):
        last_day = _last_day(moment)
        values = {"year": moment.year, "month": moment.month, "day": moment.day,
                  "week": moment.isocalendar()[1], "day_of_week": moment.weekday()}
        return all(self._match[f](v, last_day) for f, v in values.items())

    def next_after(self, after):
        """The first matching time strictly after `after` (an aware datetime), or None."""
        moment = after.astimezone(self.timezone).replace(microsecond=0, tzinfo=None)
        moment += datetime.timedelta(seconds=1)
        limit = moment + datetime.timedelta(days=366 * 5)
        while moment < limit:
            if not self._date_matches(moment):
                moment = (moment + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0)
            elif not self._match["hour"](moment.hour, 0):
                moment = (moment + datetime.timedelta(hours=1)).replace(minute=0, second=0)
            elif not self._match["minute"](moment.minute, 0):
                moment = (moment + datetime.timedelta(minutes=1)).replace(second=0)
            elif not self._match["second"](moment.second, 0):
                moment += datetime.timedelta(seconds=1)
            else:
                return moment.replace(tzinfo=self.timezone).astimezone(datetime.timezone.utc)
        return None
