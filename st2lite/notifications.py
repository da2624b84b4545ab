"""The payloads of `core.st2.generic.notifytrigger` for an execution that ended, as StackStorm's
notifier (st2actions/notifier/notifier.py) builds them.

An execution's notify settings are its own (an alias execution's `notification_route`) unless
its action declares a `notify` block, which replaces them as StackStorm's action service does.
Each section that applies (`on-complete` always, `on-success` or `on-failure` by status) gives
one payload per route: `{execution_id, status, start_timestamp, end_timestamp, action_ref,
runner_ref, route, channel, message, data}`, `message` and `data` rendered as StackStorm's
notifier renders them (its _build_jinja_context): with the execution's `action_parameters`,
`action_context` and `action_results` and the datastore's system scope as `st2kv.system`
(`| decrypt_kv` for a secret), in the environment of action parameters; `data.result` is the
result as JSON text.
"""

import json
import logging

from st2lite import param_jinja
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


def notify_payloads(execution, action, notify, kv_lookup=None):
    """The trigger payloads to dispatch for this ended execution, in StackStorm's order.
    kv_lookup(name, scope, decrypt=False) -> value or None backs `st2kv.system`; without it
    every key reads as absent."""
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
            payloads += _section_payloads(execution, action, section, suffix, kv_lookup)
    return payloads


def _section_payloads(execution, action, section, suffix, kv_lookup):
    routes = section.get("routes") or section.get("channels") or []
    if not routes:
        return []
    context = {
        "st2kv": {"system": param_jinja.DatastoreLookup(kv_lookup or _no_keys, "system")},
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


def _no_keys(name, scope, decrypt=False):
    return None


def _rendered(mapping, context):
    """StackStorm logs a template that fails and sends the mapping as written."""
    try:
        return render_extra(mapping, context, render_text=param_jinja.render)
    except Exception as e:  # whatever fails (Jinja, decrypt_kv, JSON), as StackStorm's bare except
        LOG.warning("notify: cannot render %s: %s", sorted(mapping), e)
        return mapping
