"""Launches stalled in Marathon's queue (GET /v2/queue): entries waiting on offers (`delay.overdue`
true; false means backed off after failures, not starved) since longer than the threshold, with
the reasons Marathon's offer matcher declined offers for them."""

import collections
import datetime
import re

Stalled = collections.namedtuple(
    "Stalled", "app_id labels waiting waiting_seconds since declined processed unused"
)


def parse_time(text):
    """Marathon's ISO 8601 ("2023-09-05T08:12:30.600Z") as an aware datetime."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Python 3.8's fromisoformat wants 3 or 6 fraction digits
    text = re.sub(r"\.(\d+)", lambda match: "." + (match.group(1) + "000000")[:6], text)
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


def declined_by_reason(summary):
    """{reason: offers declined} from processedOffersSummary, preferring rejectSummaryLastOffers
    (the last offer of each agent: why it cannot launch now) over the whole launch attempt."""
    steps = (
        summary.get("rejectSummaryLastOffers") or summary.get("rejectSummaryLaunchAttempt") or []
    )
    return {step["reason"]: int(step.get("declined", 0)) for step in steps}


def _run_spec(entry):
    return entry.get("app") or entry.get("pod") or {}


def stalled_launches(queue_document, now, threshold_seconds):
    """[Stalled] for queue entries waiting on offers longer than threshold_seconds."""
    found = []
    for entry in queue_document.get("queue") or []:
        if not (entry.get("delay") or {}).get("overdue", True) or not entry.get("since"):
            continue
        waited = (now - parse_time(entry["since"])).total_seconds()
        if waited < threshold_seconds:
            continue
        spec = _run_spec(entry)
        summary = entry.get("processedOffersSummary") or {}
        found.append(
            Stalled(
                spec["id"],
                spec.get("labels") or {},
                int(entry.get("count", 0)),
                waited,
                entry["since"],
                declined_by_reason(summary),
                int(summary.get("processedOffersCount", 0)),
                int(summary.get("unusedOffersCount", 0)),
            )
        )
    return found
