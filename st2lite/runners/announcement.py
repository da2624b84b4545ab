"""The announcement runner (StackStorm's `announcement`, used by chatops.post_message): publish
the action's own parameters as an announcement on route `route`, which the stream sends as
`st2.announcement__<route>`. The runner refuses to run unless `experimental` is true, as
StackStorm's does; the result is the payload, also under `output`."""

from st2lite import announcements
from st2lite.packs.builtin import RUNNER_PARAMETERS
from st2lite.runners.base import RunnerOutcome

RUNNER_PARAMETER_NAMES = tuple(RUNNER_PARAMETERS["announcement"])


def run(request):
    params = request.parameters
    if not params.get("experimental"):
        return RunnerOutcome(
            "failed",
            {"error": "Experimental flag is missing for action %s" % request.action["ref"]},
        )
    payload = dict(
        (name, value) for name, value in params.items() if name not in RUNNER_PARAMETER_NAMES
    )
    trace_context = (request.context or {}).get("trace_context")
    try:
        announcements.publish(request.runtime.db, params.get("route"), payload, trace_context)
    except announcements.AnnouncementError as e:
        return RunnerOutcome("failed", {"error": str(e)})
    return RunnerOutcome("succeeded", dict(payload, output=payload))
