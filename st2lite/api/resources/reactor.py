"""The rules engine's side: `/rules`, `/triggertypes`, `/triggerinstances`, `/ruleenforcements`."""

import json

from st2lite.api import shapes
from st2lite.api.errors import not_found
from st2lite.api.http import json_response
from st2lite.api.query import filter_by, find_by_ref_or_id, list_response, paging, timestamp_filter
from st2lite.store.execution_search import instance_page


def register(router):
    router.add("api", "GET", "/rules", list_rules)
    router.add("api", "GET", "/rules/{ref_or_id}", get_rule)
    router.add("api", "GET", "/triggertypes", list_trigger_types)
    router.add("api", "GET", "/triggertypes/{ref_or_id}", get_trigger_type)
    router.add("api", "GET", "/triggerinstances", list_trigger_instances)
    router.add("api", "GET", "/triggerinstances/{instance_id}", get_trigger_instance)
    router.add("api", "GET", "/ruleenforcements", list_rule_enforcements)
    router.add("api", "GET", "/ruleenforcements/{enforcement_id}", get_rule_enforcement)


def all_rules(app):
    return [shapes.rule_api(rule) for rule in app.runtime.content.rules]


def list_rules(app, request):
    rules = filter_by(request, all_rules(app), "pack", "name")
    for name, field in (("action", "action"), ("trigger", "trigger")):
        wanted = request.query.get(name)
        if wanted:
            rules = [r for r in rules if r[field].get("ref") == wanted]
    if request.query.get("enabled"):
        enabled = request.flag("enabled")
        rules = [r for r in rules if r["enabled"] == enabled]
    return list_response(request, rules)


def get_rule(app, request, ref_or_id):
    return json_response(find_by_ref_or_id(all_rules(app), ref_or_id, "Rule"))


def _trigger_types(app):
    types = sorted(app.runtime.content.trigger_types.values(), key=lambda t: t["ref"])
    return [shapes.trigger_type_api(t) for t in types]


def list_trigger_types(app, request):
    return list_response(request, filter_by(request, _trigger_types(app), "pack", "name"))


def get_trigger_type(app, request, ref_or_id):
    return json_response(find_by_ref_or_id(_trigger_types(app), ref_or_id, "TriggerType"))


def instance_api(row):
    return shapes.trigger_instance_api(
        {
            "id": row["id"],
            "trigger": row["trigger"],
            "payload": json.loads(row["payload"]),
            "occurrence_time": row["occurrence_time"],
            "status": row["status"],
        }
    )


def list_trigger_instances(app, request):
    filters = dict(
        (name, request.query[name]) for name in ("trigger", "status") if request.query.get(name)
    )
    offset, limit = paging(request)
    rows, total = instance_page(
        app.runtime.db,
        "trigger_instances",
        filters,
        offset,
        limit,
        after=timestamp_filter(request, "timestamp_gt"),
        before=timestamp_filter(request, "timestamp_lt"),
    )
    return list_response(
        request, [instance_api(row) for row in rows], total=total, already_paged=True
    )


def get_trigger_instance(app, request, instance_id):
    rows, _ = instance_page(app.runtime.db, "trigger_instances", {"id": instance_id})
    if not rows:
        raise not_found('TriggerInstance with id "%s" not found.' % instance_id)
    return json_response(instance_api(rows[0]))


def _enforcement(app, row):
    rules = dict((rule["ref"], rule) for rule in app.runtime.content.rules)
    return shapes.rule_enforcement_api(
        {
            "id": row["id"],
            "rule": row["rule"],
            "trigger_instance": row["trigger_instance_id"],
            "execution": row["execution_id"],
            "status": row["status"],
            "failure_reason": row["failure_reason"],
            "enforced_at": row["enforced_at"],
        },
        rules,
    )


def enforcement_page(app, request):
    """(the shaped enforcements of the page the query asks for, how many match in all)."""
    filters = {}
    for name, column in (
        ("rule_ref", "rule"),
        ("execution", "execution_id"),
        ("trigger_instance", "trigger_instance_id"),
    ):
        if request.query.get(name):
            filters[column] = request.query[name]
    offset, limit = paging(request)
    rows, total = instance_page(app.runtime.db, "rule_enforcements", filters, offset, limit)
    return [_enforcement(app, row) for row in rows], total


def list_rule_enforcements(app, request):
    enforcements, total = enforcement_page(app, request)
    return list_response(request, enforcements, total=total, already_paged=True)


def enforcement_by_id(app, enforcement_id):
    rows, _ = instance_page(app.runtime.db, "rule_enforcements", {"id": enforcement_id})
    if not rows:
        raise not_found('RuleEnforcement with id "%s" not found.' % enforcement_id)
    return _enforcement(app, rows[0])


def get_rule_enforcement(app, request, enforcement_id):
    return json_response(enforcement_by_id(app, enforcement_id))
