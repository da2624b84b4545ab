"""chatops.format_execution_result, run inside the runtime: StackStorm's is a python action that
fetches the execution and its alias through the REST API; st2lite reads them from its own store
and loaded packs. The message is the alias's `result.format` (or the default summary) rendered
with `execution` and `alias`; `result.extra` is rendered too (one that cannot render is left
out and the message says why: never silence); `result.enabled: false` gives
`{"enabled": false}` and post_result then posts nothing."""

import jinja2

from st2lite.aliases.extra import render_extra
from st2lite.aliases.formatting import render_result, st2_execution_view
from st2lite.aliases.jinja_env import SIX
from st2lite.runners.base import RunnerOutcome
from st2lite.store.executions import ExecutionNotFound


def format_execution_result(request):
    execution_id = request.parameters.get("execution_id")
    if not execution_id:
        return _failed("Invalid execution_id provided.")
    try:
        execution = request.runtime.executions.get(execution_id, with_children=False)
    except ExecutionNotFound as e:
        return _failed(str(e))
    alias = _alias_of(request.runtime, execution)
    message = render_result(alias or {}, None, execution, None)
    if message is None:
        return _succeeded({"enabled": False})
    formatted = {"enabled": True, "message": message}
    extra = ((alias or {}).get("result") or {}).get("extra")
    if extra is not None:
        try:
            formatted["extra"] = render_extra(
                extra, {"six": SIX, "alias": alias, "execution": st2_execution_view(execution)}
            )
        except (jinja2.TemplateError, ValueError) as e:
            # StackStorm's action fails here and the chat hears nothing; st2lite posts the
            # message without its extra, saying why.
            formatted["message"] += (
                '\n(Cannot render "extra" in field "result" for alias %s: %s)'
                % (alias.get("ref"), e)
            )
    return _succeeded(formatted)


def _alias_of(runtime, execution):
    """The alias that started the execution: st2lite records its ref, StackStorm {id, name}."""
    ref = (execution.get("context") or {}).get("action_alias_ref")
    if isinstance(ref, dict):
        ref = ref.get("ref") or ref.get("id") or ref.get("name")
    if not ref:
        return None
    for alias in runtime.content.aliases:
        if ref in (alias.get("ref"), alias.get("id"), alias.get("name")):
            return alias
    return None


def _succeeded(result):
    return RunnerOutcome(
        "succeeded", {"result": result, "stdout": "", "stderr": "", "exit_code": 0}
    )


def _failed(message):
    return RunnerOutcome(
        "failed",
        {"result": None, "stdout": "", "stderr": message, "exit_code": 1, "error": message},
    )
