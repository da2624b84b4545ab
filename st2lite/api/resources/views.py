"""The views st2web's Actions and Rules pages read (StackStorm's action_views.py and
rule_views.py): an action with its runner's parameters merged in, an action's entry point
file, rules with the descriptions of their action and trigger.

Registered before `/actions` and `/rules`, so `/rules/views` is not taken for a rule's ref.
"""

import mimetypes
import os

from st2lite import params as parameters_mod
from st2lite.api.errors import not_found
from st2lite.api.http import Response, json_response
from st2lite.api.query import filter_by, find_by_ref_or_id, list_response, select_attributes
from st2lite.api.resources.actions import all_actions
from st2lite.api.resources.reactor import all_rules

# What /etc/mime.types may not know, as StackStorm falls back for it.
ENTRY_POINT_TYPES = {
    ".yaml": "application/x-yaml",
    ".yml": "application/x-yaml",
    ".py": "application/x-python",
}


def register(router):
    router.add("api", "GET", "/actions/views/overview", list_action_overviews)
    router.add("api", "GET", "/actions/views/overview/{ref_or_id}", get_action_overview)
    router.add("api", "GET", "/actions/views/parameters/{ref_or_id}", get_action_parameters)
    router.add("api", "GET", "/actions/views/entry_point/{ref_or_id}", get_entry_point)
    router.add("api", "GET", "/rules/views", list_rule_views)
    router.add("api", "GET", "/rules/views/{ref_or_id}", get_rule_view)


def _overview(app, shaped):
    """The action with every parameter it takes: its runner's, overridden by its own."""
    action = app.runtime.content.actions[shaped["ref"]]
    return dict(shaped, parameters=parameters_mod.action_schema(action))


def list_action_overviews(app, request):
    actions = [_overview(app, action) for action in all_actions(app)]
    return list_response(request, actions)


def get_action_overview(app, request, ref_or_id):
    action = find_by_ref_or_id(all_actions(app), ref_or_id, "Action")
    return json_response(select_attributes(request, _overview(app, action)))


def get_action_parameters(app, request, ref_or_id):
    action = find_by_ref_or_id(all_actions(app), ref_or_id, "Action")
    return json_response({"parameters": _overview(app, action)["parameters"]})


def get_entry_point(app, request, ref_or_id):
    shaped = find_by_ref_or_id(all_actions(app), ref_or_id, "Action")
    path = app.runtime.content.actions[shaped["ref"]].get("entry_point_path")
    if not path or not os.path.isfile(path):
        raise not_found("Action ref_or_id=%s has no entry_point to output" % ref_or_id)
    with open(path, "rb") as entry_point:
        text = entry_point.read().decode("utf-8", errors="replace")
    return Response(200, text.encode("utf-8"), content_type=_entry_point_type(path))


def _entry_point_type(path):
    guessed = mimetypes.guess_type(path)[0]
    return guessed or ENTRY_POINT_TYPES.get(os.path.splitext(path)[1].lower()) or "text/plain"


def _rule_view(app, rule):
    """The rule with its action's and trigger type's descriptions, as st2web lists them."""
    action = app.runtime.content.actions.get(rule["action"].get("ref")) or {}
    trigger_type = app.runtime.content.trigger_types.get(rule["trigger"].get("type")) or {}
    return dict(
        rule,
        action=dict(rule["action"], description=action.get("description") or ""),
        trigger=dict(rule["trigger"], description=trigger_type.get("description") or ""),
    )


def list_rule_views(app, request):
    rules = filter_by(request, all_rules(app), "pack", "name")
    return list_response(request, [_rule_view(app, rule) for rule in rules])


def get_rule_view(app, request, ref_or_id):
    rule = find_by_ref_or_id(all_rules(app), ref_or_id, "Rule")
    return json_response(_rule_view(app, rule))
