"""The chat messages of an alias execution: the acknowledgement and the result.

As on StackStorm: the ack ``format`` is rendered by the API with ``execution`` and
``actionalias`` (undefined names are an error, reported in the message), and the chat bot
posts it - or its default line - to the room, with the history link unless
``append_url: false``; ``enabled: false`` silences it. The result ``format`` (or the
default summary) is rendered by the chatops pack with ``execution``, ``alias`` and ``six``
(undefined names render empty) and posted addressed to the user; ``result.enabled: false``
posts nothing. Templates see ``execution`` in StackStorm's shape (``execution.action.ref``,
``execution.runner.name``, ``execution.elapsed_seconds``) so packs' aliases work unchanged.
"""

from datetime import datetime
from typing import Optional

import jinja2

from .default_result import default_result_message
from .jinja_env import SIX, make_environment

DEFAULT_ACK = "I'll take it from here! Your execution ID for reference is %s"

_STRICT = make_environment(strict_undefined=True)
_LENIENT = make_environment(strict_undefined=False)


def render_ack(alias, match, execution, user, history_url=None) -> Optional[str]:
    """The acknowledgement posted when the execution starts, or None when disabled.

    ``match`` and ``user`` do not change the text (StackStorm's ack template sees only the
    execution and the alias, and the bot posts it unaddressed); they keep both renderers'
    signatures alike for callers.
    """
    ack = alias.get("ack") or {}
    if ack.get("enabled") is False:
        return None
    message = None
    if "format" in ack:
        message = _render_ack_format(ack["format"], alias, execution)
    if not message:
        message = DEFAULT_ACK % execution.get("id")
    if history_url and ack.get("append_url") is not False:
        message += " (details available at %s)" % history_url
    return message


def render_result(alias, match, execution, user) -> Optional[str]:
    """The result message posted when the execution ends, or None when disabled."""
    result = alias.get("result") or {}
    if result.get("enabled", True) is False:
        return None
    view = st2_execution_view(execution)
    if "format" in result:
        message = _render_result_format(result["format"], alias, view)
    else:
        message = default_result_message(view)
    return "%s: %s" % (user, message) if user else message


def _render_ack_format(template, alias, execution):
    context = {"execution": st2_execution_view(execution), "actionalias": alias}
    try:
        return _STRICT.from_string(template).render(context)
    except jinja2.UndefinedError as error:
        return 'Cannot render "format" in field "ack" for alias. %s' % error
    except jinja2.TemplateError as error:
        return 'Cannot render "format" in field "ack" for alias %s: %s' % (
            alias.get("ref") or alias.get("name"),
            error,
        )


def _render_result_format(template, alias, view):
    context = {"six": SIX, "execution": view, "alias": alias}
    try:
        return _LENIENT.from_string(template).render(context)
    except jinja2.TemplateError as error:
        return 'Cannot render "format" in field "result" for alias %s: %s' % (
            alias.get("ref") or alias.get("name"),
            error,
        )


def st2_execution_view(execution):
    """A copy of an st2lite execution dict with the fields StackStorm templates expect."""
    view = dict(execution)
    action = execution.get("action")
    if isinstance(action, str):
        pack, _, name = action.partition(".")
        view["action"] = {"ref": action, "pack": pack, "name": name}
    runner = execution.get("runner") or execution.get("runner_type") or _guess_runner(execution)
    if isinstance(runner, str):
        view["runner"] = {"name": runner}
    if "elapsed_seconds" not in view:
        view["elapsed_seconds"] = _elapsed_seconds(execution)
    return view


def _guess_runner(execution):
    """The runner family, recognised by its result shape (DESIGN.md section 2)."""
    result = execution.get("result")
    if not isinstance(result, dict):
        return None
    if "exit_code" in result and "result" in result:
        return "python-script"
    if "return_code" in result and "succeeded" in result:
        return "local-shell-cmd"
    if "output" in result:
        return "orquesta"
    return None


def _elapsed_seconds(execution):
    start, end = execution.get("start_timestamp"), execution.get("end_timestamp")
    if not (start and end):
        return None
    try:
        delta = _parse_time(end) - _parse_time(start)
    except (TypeError, ValueError):
        return None
    return round(delta.total_seconds(), 6)


def _parse_time(text):
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
