"""StackStorm's `chatops` pack, as st2lite ships it built in (StackStorm ships it in contrib/):
post_message (the announcement runner), post_result (a workflow: format an execution's result
with its alias's result format, then post it), format_execution_result, and the rules that post
an execution's result when its notification route is `hubot`, `errbot` or `web-USER` (the chat
panel of st2lite's history page: a route per user, so a result kept while a user's page is closed
waits for that user's page only).

A pack named `chatops` on the packs path replaces these, as installing a pack over StackStorm's
own does. StackStorm's match, match_and_execute and run actions call the REST API from the
action's process and are not shipped.
"""

import os

PACK = "chatops"
POST_RESULT_WORKFLOW = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "workflows", "chatops_post_result.yaml"
)
NOTIFY_TRIGGER = "core.st2.generic.notifytrigger"

_USER = {"type": "string", "description": "Explicitly notify a user"}
_WHISPER = {"type": "boolean", "description": "Send a private message to user", "default": False}
_CHANNEL = {"type": "string", "description": "Channel to post to", "required": True}
_CONTEXT = {
    "type": "object",
    "required": False,
    "description": "Context for channel (includes type of channel, user, etc.)",
}


def chatops_actions():
    return [
        _action(
            "post_message",
            "announcement",
            "Post a message to stream for chatops",
            {
                "experimental": {"immutable": True, "default": True},
                "route": {"default": "chatops"},
                "user": _USER,
                "whisper": _WHISPER,
                "message": {"type": "string", "description": "Message to send.", "required": True},
                "channel": _CHANNEL,
                "context": _CONTEXT,
                "extra": {"type": "object", "description": "Extra adapter-specific parameters."},
            },
        ),
        _action(
            "post_result",
            "orquesta",
            "Post an execution result to stream for chatops",
            {
                "user": _USER,
                "whisper": _WHISPER,
                "execution_id": {
                    "type": "string",
                    "description": "ID of an execution to send",
                    "required": True,
                },
                "channel": _CHANNEL,
                "route": {"type": "string", "default": "chatops"},
                "context": _CONTEXT,
            },
            entry_point_path=POST_RESULT_WORKFLOW,
        ),
        _action(
            "format_execution_result",
            "python-script",
            "Format an execution result for chatops",
            {
                "execution_id": {
                    "type": "string",
                    "description": "Id of execution to format",
                    "required": True,
                }
            },
        ),
    ]


def chatops_rules():
    parameters = {
        "channel": "{{trigger.data.source_channel}}",
        "user": "{{trigger.data.user}}",
        "execution_id": "{{trigger.execution_id}}",
        "context": "{{trigger.data.source_context}}",
    }
    return [
        _rule(
            "notify",
            _route_is("hubot"),
            "Notification rule to send results of action executions to stream for chatops",
            parameters,
        ),
        _rule(
            "notify-errbot",
            _route_is("errbot"),
            "Notification rule to send results of action executions to stream for errbot",
            dict(parameters, route="{{ trigger.route }}"),
        ),
        _rule(
            "notify-web",
            _route_starts_with("web-"),
            "Notification rule to send results of action executions to the chat panel of "
            "the history page of st2lite serve (route web-USER: each user's page its own)",
            dict(parameters, route="{{ trigger.route }}"),
        ),
    ]


def _action(name, runner, description, parameters, entry_point_path=None):
    return {
        "name": name,
        "pack": PACK,
        "ref": "%s.%s" % (PACK, name),
        "runner_type": runner,
        "description": description,
        "enabled": True,
        "parameters": parameters,
        "entry_point_path": entry_point_path,
        "pack_path": None,
        "builtin": True,
    }


def _route_is(route):
    return {"trigger.route": {"type": "equals", "pattern": route}}


def _route_starts_with(prefix):
    # `exists` first: startswith on an absent route (an alias run without one) would be a
    # failed criterion, recorded as a failed enforcement, instead of no match. The `#` suffix
    # lets one key have two criteria, as StackStorm's rule filter allows.
    return {
        "trigger.route": {"type": "exists"},
        "trigger.route#prefix": {"type": "startswith", "pattern": prefix},
    }


def _rule(name, criteria, description, parameters):
    return {
        "name": name,
        "pack": PACK,
        "ref": "%s.%s" % (PACK, name),
        "enabled": True,
        "description": description,
        "trigger": {"type": NOTIFY_TRIGGER},
        "criteria": criteria,
        "action": {"ref": PACK + ".post_result", "parameters": parameters},
        "metadata_file": None,
        "builtin": True,
    }
