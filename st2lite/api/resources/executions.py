"""`/executions`: start (201), read, list with the CLI's filters, children, output, re-run, cancel.

Every execution the API starts carries `context.user` = the authenticated account, whatever
the body says, as StackStorm sets it without RBAC.
"""

import json

from st2lite import execution_control
from st2lite import params as parameters_mod
from st2lite.api import shapes
from st2lite.api.errors import bad_request, not_found
from st2lite.api.http import Response, json_response
from st2lite.api.output_feed import recorded, wanted_type
from st2lite.api.query import list_response, paging, select_attributes, timestamp_filter
from st2lite.inquiries import in_background
from st2lite.runtime import RuntimeError_
from st2lite.store.execution_search import FILTERS, children_ids, distinct_values, search_executions
from st2lite.store.executions import FINAL_STATES, ExecutionNotFound


def register(router):
    router.add("api", "GET", "/executions", list_executions)
    router.add("api", "POST", "/executions", create_execution)
    router.add("api", "GET", "/executions/views/filters", filter_views)
    router.add("api", "GET", "/executions/{execution_id}", get_execution)
    router.add("api", "DELETE", "/executions/{execution_id}", cancel_execution)
    router.add("api", "PUT", "/executions/{execution_id}", pause_or_resume)
    router.add("api", "GET", "/executions/{execution_id}/children", get_children)
    router.add("api", "GET", "/executions/{execution_id}/output", get_output)
    router.add("api", "GET", "/executions/{execution_id}/result", get_result)
    router.add("api", "POST", "/executions/{execution_id}/re_run", re_run)


# --- helpers shared with the alias executions --------------------------------------------


def start_execution(app, ref, given, context, notify=None):
    """Record and start an execution in the background; its id. 400 for bad input, before
    anything is recorded."""
    action = app.runtime.content.actions.get(ref)
    if action is None:
        raise bad_request('Action "%s" cannot be found.' % ref)
    if not action.get("enabled", True):
        raise bad_request('Action "%s" is disabled.' % ref)
    context = dict(context, pack=action["pack"])
    try:
        execution_id, action, given = app.runtime.request(ref, given, context, notify=notify)
    except RuntimeError_ as e:
        raise bad_request(str(e)) from e
    app.runtime.start_background(app.runtime.run_requested, execution_id, action, given)
    return execution_id


def shaped_execution(app, execution_id):
    try:
        return app.execution_events.shaped(execution_id)
    except ExecutionNotFound as error:
        raise not_found('Execution with id "%s" not found.' % execution_id) from error


def _known_id(app, execution_id):
    try:
        return app.runtime.executions.get(execution_id, with_children=False)["id"]
    except ExecutionNotFound as error:
        raise not_found('Execution with id "%s" not found.' % execution_id) from error


def _shape_all(app, executions):
    children = children_ids(app.runtime.db, [e["id"] for e in executions])
    instances = app.runtime.triggers.instances_by_id(shapes.trigger_instance_ids(executions))
    return [
        shapes.execution_api(e, app.runtime.content, children[e["id"]], instances)
        for e in executions
    ]


def requester_context(app, request, body_user=None):
    """context.user: the authenticated account; with auth off, the body's `user` if given."""
    user = request.identity.user
    if not app.auth_enabled and isinstance(body_user, str) and body_user:
        user = body_user
    return {"user": user}


def _header_context(request):
    text = request.headers.get("St2-Context")
    if not text:
        return {}
    try:
        context = json.loads(text)
    except ValueError as e:
        raise bad_request("Invalid St2-Context header: not JSON (%s)" % e) from e
    if not isinstance(context, dict):
        raise bad_request("Invalid St2-Context header: expected a JSON object")
    return context


def _expect(body, name, kind, kind_name, required=False):
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request("'%s' is a required property" % name)
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise bad_request("%r is not of type '%s' (field %s)" % (value, kind_name, name))
    return value


# --- handlers -----------------------------------------------------------------------------


def create_execution(app, request):
    body = request.json()
    ref = _expect(body, "action", str, "string", required=True)
    given = _expect(body, "parameters", dict, "object") or {}
    extra_context = _expect(body, "context", dict, "object") or {}
    _expect(body, "user", str, "string")
    if _expect(body, "delay", int, "integer"):
        raise bad_request("delay is not supported by st2lite: leave it out")
    context = dict(_header_context(request), **extra_context)
    context.update(requester_context(app, request, body.get("user")))
    execution_id = start_execution(app, ref, given, context)
    return json_response(app.execution_events.shaped(execution_id), status=201)


def list_executions(app, request):
    filters = dict((name, request.query[name]) for name in FILTERS if request.query.get(name))
    offset, limit = paging(request)
    ascending = request.flag("sort_asc") and not request.flag("sort_desc")
    executions, total = search_executions(
        app.runtime.db,
        filters,
        ascending=ascending,
        offset=offset,
        limit=limit,
        timestamp_gt=timestamp_filter(request, "timestamp_gt"),
        timestamp_lt=timestamp_filter(request, "timestamp_lt"),
    )
    return list_response(request, _shape_all(app, executions), total=total, already_paged=True)


def filter_views(app, request):
    """The values each history filter can take (st2web's menus)."""
    return json_response(distinct_values(app.runtime.db))


def get_execution(app, request, execution_id):
    return json_response(select_attributes(request, shaped_execution(app, execution_id)))


def get_children(app, request, execution_id):
    root = _known_id(app, execution_id)
    depth = request.integer("depth", -1)
    found = []
    _collect_descendants(app, root, depth, found)
    return json_response([select_attributes(request, e) for e in _shape_all(app, found)])


def _collect_descendants(app, parent_id, depth, found):
    """Depth first, as the CLI indents the list: each child followed by its own children."""
    for child in app.runtime.executions.children(parent_id):
        found.append(child)
        if depth != 1:
            _collect_descendants(app, child["id"], depth - 1, found)


def get_output(app, request, execution_id):
    """All the execution wrote so far, also while it runs, as one text."""
    record = app.runtime.executions.get(_known_id(app, execution_id), with_children=False)
    chunks = recorded(app.runtime, record, wanted_type(request.query))
    text = "".join(chunk["data"] for chunk in chunks)
    return Response(200, text.encode("utf-8"), content_type="text/plain; charset=utf-8")


def get_result(app, request, execution_id):
    record = app.runtime.executions.get(_known_id(app, execution_id), with_children=False)
    indent = 4 if request.flag("pretty_format") else None
    body = json.dumps(record["result"], indent=indent, default=str).encode("utf-8")
    return Response(200, body)


def cancel_execution(app, request, execution_id):
    """`canceling` (then `canceled` once it stopped) or `canceled` at once, as StackStorm
    answers; one that cannot be canceled answers 200 with a faultstring."""
    _known_id(app, execution_id)
    try:
        execution_control.request_cancellation(app.runtime, execution_id, request.identity.user)
    except execution_control.NotCancelable as e:
        return json_response({"faultstring": str(e)})
    return json_response(shaped_execution(app, execution_id))


def pause_or_resume(app, request, execution_id):
    """PUT {"status": "pausing" | "resuming" | "canceling"}, as `st2 execution pause|resume`."""
    execution_id = _known_id(app, execution_id)
    status = _expect(request.json(), "status", str, "string", required=True)
    requester = request.identity.user
    try:
        if status in ("pausing", "paused"):
            record = execution_control.request_pause(app.runtime, execution_id, requester)
        elif status == "resuming":
            record = execution_control.request_resume(
                app.runtime, execution_id, requester, in_background(app.runtime)
            )
        elif status in ("canceling", "canceled"):
            _refuse_completed(app, execution_id)
            record = execution_control.request_cancellation(app.runtime, execution_id, requester)
        else:
            raise bad_request("Set status to pausing, resuming or canceling, got %r" % (status,))
    except (execution_control.AlreadyCompleted, execution_control.NotCancelable) as e:
        raise bad_request(str(e)) from e
    except execution_control.ControlRefused as e:
        raise bad_request("Failed updating execution. %s" % e) from e
    return json_response(_shape_all(app, [record])[0])


def _refuse_completed(app, execution_id):
    if app.runtime.executions.get(execution_id, with_children=False)["status"] in FINAL_STATES:
        raise bad_request("Execution is already in completed state.")


def re_run(app, request, execution_id):
    body = request.json(required=False)
    previous = app.runtime.executions.get(_known_id(app, execution_id), with_children=False)
    given = _expect(body, "parameters", dict, "object") or {}
    if _expect(body, "tasks", list, "array"):
        raise bad_request(
            "re-running chosen workflow tasks is not supported by st2lite: "
            "re-run the whole execution (leave tasks out)"
        )
    if _expect(body, "delay", int, "integer"):
        raise bad_request("delay is not supported by st2lite: leave it out")
    merged = given if request.flag("no_merge") else dict(previous["parameters"], **given)
    _refuse_masked_secrets(app, previous["action"], merged)
    context = requester_context(app, request, body.get("user"))
    context["re-run"] = {"ref": previous["id"]}
    new_id = start_execution(app, previous["action"], merged, context)
    return json_response(app.execution_events.shaped(new_id), status=201)


def _refuse_masked_secrets(app, ref, merged):
    action = app.runtime.content.actions.get(ref)
    if action is None:
        return  # start_execution names the missing action
    masked = [
        name
        for name in parameters_mod.secret_names(parameters_mod.action_schema(action))
        if merged.get(name) == parameters_mod.MASK
    ]
    if masked:
        raise bad_request(
            "The secret parameters %s are not kept in the history: give them again "
            "in parameters" % ", ".join(sorted(masked))
        )
