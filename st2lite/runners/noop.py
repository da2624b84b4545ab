"""The noop runner (`core.noop`): succeeds with an empty local-runner result."""

from st2lite.runners.base import RunnerOutcome


def run(request):
    return RunnerOutcome(
        "succeeded",
        {"failed": False, "succeeded": True, "return_code": 0, "stdout": "", "stderr": ""},
    )
