"""`/ruleenforcements/views` (StackStorm's rule_enforcement_views.py): rule enforcements with
their trigger instance and the part of their execution a rule's Enforcements tab in st2web
shows (`{}` for either when there is none).

Registered before `/ruleenforcements`, so `/ruleenforcements/views` is not taken for an id.
"""

from st2lite.api.errors import ApiError
from st2lite.api.http import json_response
from st2lite.api.query import keep_attributes, list_response
from st2lite.api.resources.executions import shaped_execution
from st2lite.api.resources.reactor import enforcement_by_id, enforcement_page, instance_api
from st2lite.store.execution_search import instance_page

# The execution fields StackStorm's view reads (it never loads a whole execution's result).
EXECUTION_FIELDS = [
    "id",
    "action.ref",
    "action.parameters",
    "runner.name",
    "runner.runner_parameters",
    "parameters",
    "status",
]


def register(router):
    router.add("api", "GET", "/ruleenforcements/views", list_enforcement_views)
    router.add("api", "GET", "/ruleenforcements/views/{enforcement_id}", get_enforcement_view)


def _trigger_instance(app, instance_id):
    rows, _ = instance_page(app.runtime.db, "trigger_instances", {"id": instance_id})
    return instance_api(rows[0]) if rows else {}


def _execution(app, execution_id):
    try:
        return keep_attributes(shaped_execution(app, execution_id), EXECUTION_FIELDS)
    except ApiError:
        return {}  # StackStorm's view leaves it empty when the execution is gone


def _view(app, enforcement):
    execution_id = enforcement.get("execution_id")
    return dict(
        enforcement,
        trigger_instance=_trigger_instance(app, enforcement["trigger_instance_id"]),
        execution=_execution(app, execution_id) if execution_id else {},
    )


def list_enforcement_views(app, request):
    enforcements, total = enforcement_page(app, request)
    views = [_view(app, enforcement) for enforcement in enforcements]
    return list_response(request, views, total=total, already_paged=True)


def get_enforcement_view(app, request, enforcement_id):
    return json_response(_view(app, enforcement_by_id(app, enforcement_id)))
