"""Built-in core actions whose code lives in the runtime rather than in a pack file."""

from st2lite.runners.base import RunnerOutcome
from st2lite.runners.chatops_format import format_execution_result


def inject_trigger(request):
    params = request.parameters
    fired = request.runtime.dispatch_trigger(
        params["trigger"], params.get("payload") or {}, trace_tag=params.get("trace_tag")
    )
    return RunnerOutcome(
        "succeeded",
        {"result": {"trigger_instance": fired}, "stdout": "", "stderr": "", "exit_code": 0},
    )


BUILTIN_HANDLERS = {
    "core.inject_trigger": inject_trigger,
    "chatops.format_execution_result": format_execution_result,
}
