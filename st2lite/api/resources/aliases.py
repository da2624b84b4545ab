"""`/actionalias` (list, get, match, help) and `/aliasexecution` (by name and format, or
`match_and_execute`), as chat bots and `st2 action-alias` call them.

An alias execution runs as the authenticated account (`context.user`, the bot's) on behalf
of the chat user (`context.api_user`), with the source channel and the notification route
kept in its context, as StackStorm keeps them.
"""

import jinja2

from st2lite import params as parameters_mod
from st2lite.aliases import (
    AliasParameterError,
    AmbiguousMatch,
    NoMatch,
    cast_alias_parameters,
    list_commands,
    match_command,
    render_ack,
)
from st2lite.aliases.errors import FormatMismatch
from st2lite.aliases.extra import render_extra
from st2lite.aliases.formats import iter_format_entries
from st2lite.aliases.parser import extract_parameters
from st2lite.api import shapes
from st2lite.api.errors import bad_request, not_found
from st2lite.api.http import json_response
from st2lite.api.query import filter_by, find_by_ref_or_id, list_response, paging
from st2lite.api.resources.executions import start_execution

CONTEXT_FIELDS = ("source_channel", "notification_channel", "notification_route", "source_context")


def register(router):
    router.add("api", "GET", "/actionalias", list_aliases)
    router.add("api", "GET", "/actionalias/help", alias_help)
    router.add("api", "POST", "/actionalias/match", match_alias)
    router.add("api", "GET", "/actionalias/{ref_or_id}", get_alias)
    router.add("api", "POST", "/aliasexecution", execute_alias)
    router.add("api", "POST", "/aliasexecution/match_and_execute", match_and_execute)


def _aliases(app):
    return app.runtime.content.aliases


def list_aliases(app, request):
    shaped = [shapes.alias_api(alias) for alias in _aliases(app)]
    return list_response(request, filter_by(request, shaped, "pack", "name"))


def get_alias(app, request, ref_or_id):
    shaped = [shapes.alias_api(alias) for alias in _aliases(app)]
    return json_response(find_by_ref_or_id(shaped, ref_or_id, "ActionAlias"))


def alias_help(app, request):
    commands = list_commands(_aliases(app))
    pack = request.query.get("pack")
    text = (request.query.get("filter") or "").lower()
    helpstrings = [
        {
            "pack": c["ref"].split(".", 1)[0],
            "display": c["display"],
            "description": c["description"] or "",
        }
        for c in commands
    ]
    helpstrings = [
        h
        for h in helpstrings
        if (not pack or h["pack"] == pack)
        and (not text or text in (h["display"] + " " + h["description"]).lower())
    ]
    offset, limit = paging(request)
    page = helpstrings[offset:] if limit is None else helpstrings[offset : offset + limit]
    return json_response({"available": len(helpstrings), "helpstrings": page})


def _command(body):
    command = body.get("command")
    if not isinstance(command, str) or not command.strip():
        raise bad_request("'command' is a required property: the chat text to match")
    return command


def _match(app, command, aliases=None):
    try:
        return match_command(_aliases(app) if aliases is None else aliases, command)
    except (NoMatch, AmbiguousMatch) as e:
        raise bad_request(e.message) from e


def match_alias(app, request):
    match = _match(app, _command(request.json()))
    return json_response(
        {
            "actionalias": shapes.alias_api(match.alias),
            "display": match.display or match.representation,
            "representation": match.representation,
        }
    )


def execute_alias(app, request):
    """hubot's call: the alias by name, the format it matched, the command."""
    body = request.json()
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise bad_request("'name' is a required property: the name of the action alias")
    alias = next((a for a in _aliases(app) if a["name"] == name), None)
    if alias is None:
        raise not_found('Unable to identify action alias with name "%s".' % name)
    command = _command(body)
    parameter_sets = [_parameters_for_format(app, alias, body.get("format"), command)]
    result = _run_alias(app, request, alias, parameter_sets, body)[0]
    return json_response(result, status=201)


def _parameters_for_format(app, alias, format_string, command):
    representations = [entry.representation for entry in iter_format_entries(alias)]
    if isinstance(format_string, str) and format_string in representations:
        try:
            return extract_parameters(format_string, command)
        except FormatMismatch as e:
            raise bad_request(
                'Command "%s" does not match the format "%s": %s' % (command, format_string, e)
            ) from e
    return _match(app, command, [alias]).parameters


def match_and_execute(app, request):
    body = request.json()
    match = _match(app, _command(body))
    results = _run_alias(
        app, request, match.alias, match.parameter_sets or [match.parameters], body
    )
    return json_response({"results": results}, status=201)


def _run_alias(app, request, alias, parameter_sets, body):
    """Start one execution per parameter set; the alias execution results, ack included.
    Every set is checked before the first execution starts."""
    action = app.runtime.content.actions.get(alias["action_ref"])
    if action is None:
        raise bad_request(
            'Action "%s" of alias %s cannot be found.' % (alias["action_ref"], alias["ref"])
        )
    schema = parameters_mod.action_schema(action)
    try:
        cast_sets = [cast_alias_parameters(p, schema) for p in parameter_sets]
        for given in cast_sets:
            parameters_mod.check_given(action, given)
    except (AliasParameterError, parameters_mod.ParameterError) as e:
        raise bad_request(str(e)) from e
    context = _alias_context(app, request, alias, body)
    notify = _notify(body)
    results = []
    for given in cast_sets:
        execution_id = start_execution(app, action["ref"], given, context, notify)
        results.append(_alias_result(app, alias, execution_id))
    return results


def _notify(body):
    """Where the result goes when the execution ends (StackStorm's _get_notify_field): an
    on-complete notification to the notification route (or channel), with the chat user,
    channel and context as data. Without either the route is null, as on StackStorm: the
    notifytrigger still fires (with route and channel null), but no chatops rule matches it,
    so nothing is said in chat."""
    route = body.get("notification_route") or body.get("notification_channel")
    return {
        "on-complete": {
            "routes": [route],
            "data": {
                "user": body.get("user"),
                "source_channel": body.get("source_channel"),
                "source_context": body.get("source_context"),
            },
        }
    }


def _alias_context(app, request, alias, body):
    chat_user = body.get("user")
    context = {
        "user": request.identity.user,
        "action_alias_ref": alias["ref"],
        "api_user": chat_user
        if isinstance(chat_user, str) and chat_user
        else request.identity.user,
    }
    for field in CONTEXT_FIELDS:
        if body.get(field) is not None:
            context[field] = body[field]
    return context


def _alias_result(app, alias, execution_id):
    """StackStorm's answer: the execution and alias, the rendered `ack.format` as `message`
    and the rendered `ack.extra` as `extra` (each with `execution` and `actionalias`)."""
    result = {
        "execution": app.execution_events.shaped(execution_id),
        "actionalias": shapes.alias_api(alias),
    }
    ack = alias.get("ack") or {}
    if "format" in ack:
        record = app.runtime.executions.get(execution_id, with_children=False)
        message = render_ack(alias, None, record, None)
        if message:
            result["message"] = message
    if "extra" in ack:
        result["extra"] = _ack_extra(ack["extra"], result)
    return result


def _ack_extra(extra, result):
    try:
        return render_extra(extra, dict(result))
    except (jinja2.TemplateError, ValueError) as e:
        return 'Cannot render "extra" in field "ack" for alias. %s' % e
