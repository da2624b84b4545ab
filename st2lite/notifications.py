"""The payloads of `core.st2.generic.notifytrigger` for an execution that ended, as StackStorm's
notifier (st2actions/notifier/notifier.py) builds them.

An execution's notify settings are its own (an alias execution's `notification_route`) unless
its action declares a `notify` block, which replaces them as StackStorm's action service does.
Each section that applies (`on-complete` always, `on-success` or `on-failure` by status) gives
one payload per route: `{execution_id, status, start_timestamp, end_timestamp, action_ref,
runner_ref, route, channel, message, data}`, `message` and `data` rendered with the execution's
`action_parameters`, `action_context` and `action_results`, and `data.result` the result as
JSON text.
"""

import json
import logging

import jinja2

from st2lite.aliases.extra import render_extra
from st2lite.store.ids import utc_now_iso

COMPLETED_STATES = ("succeeded", "failed", "timeout", "canceled", "abandoned")
FAILED_STATES = ("failed", "timeout", "abandoned")
LOG = logging.getLogger(__name__)


def effective_notify(execution, action):
    declared = action.get("notify") or {}
    if any(declared.get(key) for key in ("on-complete", "on-success", "on-failure")):
        return declared
    return execution.get("notify") or {}


def notify_payloads(execution, action, notify):
    """The trigger payloads to dispatch for this ended execution, in StackStorm's order."""
    status = execution["status"]
    if status not in COMPLETED_STATES:
        return []
    sections = [("on-complete", "completed.")]
    if status == "succeeded":
        sections.append(("on-success", "succeeded."))
    if status in FAILED_STATES:
        sections.append(("on-failure", "failed."))
    payloads = []
    for key, suffix in sections:
        section = notify.get(key)
        if section:
            payloads += _section_payloads(execution, action, section, suffix)
    return payloads


def _section_payloads(execution, action, section, suffix):
    routes = section.get("routes") or section.get("channels") or []
    if not routes:
        return []
    context = {
        "action_parameters": execution["parameters"],
        "action_context": execution["context"],
        "action_results": execution["result"],
    }
    message = section.get("message") or "Action %s %s" % (action["ref"], suffix)
    message = _rendered({"message": message}, context).get("message", message)
    data = _rendered(dict(section.get("data") or {}), context)
    data["result"] = json.dumps(execution["result"])
    base = {
        "execution_id": execution["id"],
        "status": execution["status"],
        "start_timestamp": execution["start_timestamp"],
        "end_timestamp": execution["end_timestamp"] or utc_now_iso(),
        "action_ref": action["ref"],
        "runner_ref": action["runner_type"],
        "message": message,
        "data": data,
    }
    return [dict(base, route=route, channel=route) for route in routes]


def _rendered(mapping, context):
    """StackStorm logs a template that fails and sends the value as written."""
    try:
        return render_extra(mapping, context)
    except (jinja2.TemplateError, ValueError) as e:
        LOG.warning("notify: cannot render %s: %s", sorted(mapping), e)
        return mapping
