"""The safety every automatic action shares (remediation, scaling): a per-key hourly cap, a dry-run
switch and a decision log, all kept in the StackStorm datastore.

    guard = Guard.from_config(datastore, config.values, "remediation")  # or "scaling"
    decision = guard.decide("qa1/web", "raise memory 512 -> 768 MB", trigger,
                            kind="oom", env="qa1", app="web")
    if decision.acts:            # neither over the cap nor a dry run: do it
        ...
        guard.settle(decision, "succeeded", "checks pass at 768 MB")
    elif decision.escalated:     # the cap was just reached: tell chat once (decision.reason), stop
        ...
    guard.skip("qa1/web", "flapping: 5 failures in 600 s", trigger, kind="flapping", ...)

- Cap: at most `max_per_hour` decisions that act per key in any sliding hour. The first refusal
  after the cap is reached is `escalated` (the caller posts its reason to chat); later ones are
  `skipped` and say when the key may act again. An action that acts again re-arms escalation.
- Dry run (`dry_run` in the section, or the top-level `dry_run` for every automatic action): a
  decision that would act is logged `skipped` with `dry_run: true` and "dry run: would ...". A dry
  run counts against its own budget, so it shows what a real run would do (cap and escalation
  included) without using up the real one.
- Log: every decision is one datastore record, newest kept, at most `history_per_key` per key
  (default 50); `history(datastore, app=..., key=...)` lists them newest first. `settle` adds
  the result of an acted decision and what was said in chat (`announcement`) to its record, in
  this process or later (`find(datastore, key, decision_id)` gives a logged Decision back).

The datastore has no compare-and-set, so decide() reads, counts and writes a key's budget in three
steps: call it from an action serialised by an `action.concurrency` policy (threshold 1, action
delay; st2 and st2lite claim the place atomically) so two decisions never interleave.

Keys (global scope):
    qaeci.automation.budget.<key>            {"acted": [epoch, ...], "escalated": epoch or null}
    qaeci.automation.budget-dry-run.<key>    the same for dry runs
    qaeci.automation.log.<key>:<stamp>       one decision (see Decision.record)
with <key> percent-encoded, so keys may hold "/" and never nest ("qa1" vs "qa1/web").
"""

import time
import uuid
from urllib.parse import quote

from qaeci.errors import ConfigError
from qaeci.state import list_records, read_record, write_record

PREFIX = "qaeci.automation."
LOG_PREFIX = PREFIX + "log."
HOUR = 3600.0

ACTED, SKIPPED, ESCALATED = "acted", "skipped", "escalated"
DEFAULTS = {"max_per_hour": 3, "dry_run": False, "history_per_key": 50}


class Settings(object):
    """max_per_hour (>= 0; 0 forbids every automatic action), dry_run, history_per_key (>= 1)."""

    def __init__(self, max_per_hour=3, dry_run=False, history_per_key=50, section="remediation"):
        self.max_per_hour = _whole(max_per_hour, section + ".max_per_hour", 0)
        self.dry_run = bool(dry_run)
        self.history_per_key = _whole(history_per_key, section + ".history_per_key", 1)
        self.section = section

    @classmethod
    def from_config(cls, values, section):
        """From the pack config's SECTION (a dict; missing keys take DEFAULTS); the top-level
        `dry_run: true` forces a dry run of every section."""
        values = values or {}
        own = values.get(section) or {}
        if not isinstance(own, dict):
            raise ConfigError(
                "%s must be a mapping; fix: write %s: {max_per_hour: 3}" % (section, section)
            )
        merged = dict(DEFAULTS)
        merged.update({name: own[name] for name in DEFAULTS if own.get(name) is not None})
        return cls(
            merged["max_per_hour"],
            bool(merged["dry_run"]) or bool(values.get("dry_run")),
            merged["history_per_key"],
            section,
        )


def _whole(value, name, least):
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number < least or isinstance(value, bool) or number != value:
        raise ConfigError("%s is %r; fix: set it to a whole number >= %d" % (name, value, least))
    return number


class Decision(object):
    """What the guard decided. outcome: acted | skipped | escalated; `acts` is True only when the
    caller should act now (acted and not a dry run)."""

    def __init__(self, record):
        self.record = record

    @property
    def id(self):
        return self.record["id"]

    @property
    def outcome(self):
        return self.record["decision"]

    @property
    def reason(self):
        return self.record["reason"]

    @property
    def dry_run(self):
        return self.record["dry_run"]

    @property
    def acts(self):
        return self.outcome == ACTED

    @property
    def escalated(self):
        return self.outcome == ESCALATED


class Guard(object):
    def __init__(self, datastore, settings, clock=time.time):
        self.datastore = datastore
        self.settings = settings
        self.clock = clock

    @classmethod
    def from_config(cls, datastore, config_values, section, clock=time.time):
        return cls(datastore, Settings.from_config(config_values, section), clock)

    def decide(self, key, action, trigger=None, kind=None, env=None, app=None):
        """Claim one automatic action for KEY (say "qa1/web", or a cluster): ACTION says in one
        line what would be done. Returns the logged Decision."""
        now = self.clock()
        budget_key = self._budget_key(key)
        budget = self._budget(budget_key, now)
        cap = self.settings.max_per_hour
        if len(budget["acted"]) < cap:
            budget["acted"].append(now)
            budget["escalated"] = None
            outcome = SKIPPED if self.settings.dry_run else ACTED
            reason = ("dry run: would %s" if self.settings.dry_run else "%s") % action
            reason += " (%d of %d this hour)" % (len(budget["acted"]), cap)
        else:
            again = _clock_time(min(budget["acted"]) + HOUR) if budget["acted"] else None
            limit = "%d automatic actions per hour on %s (%s.max_per_hour)" % (
                cap,
                key,
                self.settings.section,
            )
            if budget["escalated"] is None:
                budget["escalated"] = now
                outcome = ESCALATED
                reason = "not done: %s; reached %s; left to a person" % (action, limit)
            else:
                outcome = SKIPPED
                reason = "not done: %s; over %s, escalated at %s" % (
                    action,
                    limit,
                    _clock_time(budget["escalated"]),
                )
            if again:
                reason += "; next automatic action after %s" % again
        write_record(self.datastore, budget_key, budget)
        return self._log(key, outcome, reason, action, trigger, kind, env, app, now)

    def skip(self, key, reason, trigger=None, kind=None, env=None, app=None, action=None):
        """Log a decision not to act for the caller's own REASON (flapping, not ours, ...); it
        uses no budget."""
        return self._log(key, SKIPPED, reason, action, trigger, kind, env, app, self.clock())

    def settle(self, decision, result=None, detail=None, announcement=None):
        """Add to a decision's log record what became of it (RESULT: succeeded | failed, DETAIL:
        one line) and what was said in chat (ANNOUNCEMENT). DECISION: a Decision, or None
        (its record was trimmed away: nothing to add to)."""
        if decision is None:
            return None
        record = dict(decision.record, settled_at=iso_time(self.clock()))
        if result is not None:
            record.update(result=result, detail=detail)
        if announcement is not None:
            record["announcement"] = announcement
        write_record(self.datastore, _log_name(record["key"], decision.id), record)
        decision.record = record
        return decision

    # -- records ------------------------------------------------------------------------------
    def _budget_key(self, key):
        kind = "budget-dry-run." if self.settings.dry_run else "budget."
        return PREFIX + kind + _encode(key)

    def _budget(self, name, now):
        record = read_record(self.datastore, name) or {}
        acted = [moment for moment in record.get("acted") or [] if now - moment < HOUR]
        escalated = record.get("escalated")
        if escalated is not None and now - escalated >= HOUR:
            escalated = None
        return {"acted": sorted(acted), "escalated": escalated}

    def _log(self, key, outcome, reason, action, trigger, kind, env, app, now):
        # Sortable: the decision's time, then the machine's (orders decisions of one instant).
        stamp = "%015d-%019d-%s" % (int(now * 1000), time.time_ns(), uuid.uuid4().hex[:6])
        name = _log_name(key, stamp)
        record = {
            "id": stamp,
            "key": key,
            "kind": kind,
            "env": env,
            "app": app,
            "decision": outcome,
            "dry_run": self.settings.dry_run,
            "reason": reason,
            "action": action,
            "trigger": trigger,
            "time": iso_time(now),
            "epoch": now,
            "result": None,
            "detail": None,
        }
        write_record(self.datastore, name, record)
        self._trim(key)
        return Decision(record)

    def _trim(self, key):
        names = sorted(list_records(self.datastore, _log_name(key, "")))
        for name in names[: max(0, len(names) - self.settings.history_per_key)]:
            try:
                self.datastore.delete_value(name, local=False)
            except Exception:  # already gone: trimming converges
                pass


def find(datastore, key, decision_id):
    """The logged Decision of KEY with DECISION_ID, or None."""
    record = read_record(datastore, _log_name(key, decision_id)) if decision_id else None
    return Decision(record) if record else None


def history(datastore, app=None, key=None, env=None, limit=20):
    """Logged decisions, newest first: of one KEY, or of an APP (in any env, or in ENV), or all."""
    records = []
    for record in list_records(datastore, LOG_PREFIX).values():
        if key is not None and record.get("key") != key:
            continue
        if app is not None and record.get("app") != app:
            continue
        if env is not None and record.get("env") != env:
            continue
        records.append(record)
    records.sort(key=lambda record: record.get("id") or "", reverse=True)
    return records[:limit] if limit else records


def _encode(key):
    if not key:
        raise ValueError("an automatic action needs a key (an app, a cluster)")
    return quote(str(key), safe="")


def _log_name(key, stamp):
    return "%s%s:%s" % (LOG_PREFIX, _encode(key), stamp)


def iso_time(epoch):
    """ISO 8601 UTC to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _clock_time(epoch):
    return time.strftime("%H:%M:%SZ", time.gmtime(epoch))
