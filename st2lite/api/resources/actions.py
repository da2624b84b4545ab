"""`/actions` and `/runnertypes`: what the CLI reads before it starts an execution."""

from st2lite.api import shapes
from st2lite.api.http import json_response
from st2lite.api.query import filter_by, find_by_ref_or_id, list_response, select_attributes


def register(router):
    router.add("api", "GET", "/actions", list_actions)
    router.add("api", "GET", "/actions/{ref_or_id}", get_action)
    router.add("api", "GET", "/runnertypes", list_runner_types)
    router.add("api", "GET", "/runnertypes/{name_or_id}", get_runner_type)


def all_actions(app):
    actions = sorted(app.runtime.content.actions.values(), key=lambda a: a["ref"])
    return [shapes.action_api(action) for action in actions]


def list_actions(app, request):
    return list_response(request, filter_by(request, all_actions(app), "pack", "name"))


def get_action(app, request, ref_or_id):
    action = find_by_ref_or_id(all_actions(app), ref_or_id, "Action")
    return json_response(select_attributes(request, action))


def all_runner_types():
    return [shapes.runner_api(name) for name in shapes.runner_names()]


def list_runner_types(app, request):
    return list_response(request, filter_by(request, all_runner_types(), "name"))


def get_runner_type(app, request, name_or_id):
    return json_response(find_by_ref_or_id(all_runner_types(), name_or_id, "RunnerType"))
