"""The inquirer runner (`core.ask`): ask for more input during a workflow. The execution stays
`pending`, its result the inquiry (schema, roles, users, route, ttl), until someone responds
(st2lite.inquiries) or its ttl passes; a workflow running it pauses meanwhile. Rules learn of a
new inquiry from the core.st2.generic.inquiry trigger, which carries its id and route."""

from st2lite.packs.builtin import INQUIRY_TRIGGER
from st2lite.runners.base import RunnerOutcome

INQUIRY_FIELDS = ("schema", "roles", "users", "route", "ttl")


def run(request):
    inquiry = dict((name, request.parameters.get(name)) for name in INQUIRY_FIELDS)
    request.runtime.dispatch_trigger(
        INQUIRY_TRIGGER, {"id": request.execution_id, "route": inquiry["route"]}
    )
    return RunnerOutcome("pending", inquiry)
