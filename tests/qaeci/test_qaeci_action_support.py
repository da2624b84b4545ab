"""What every pack action shares: one failure shape, and a bug's traceback on stderr."""

from qaeci.action_support import run_step
from qaeci.errors import PlanError
from qaeci_testkit import MemoryDatastore


class FakeAction(object):
    """What run_step reads of a StackStorm Action."""

    def __init__(self):
        self.config = {"registry_path": "/nowhere"}
        self.action_service = MemoryDatastore()


def test_a_bug_is_one_line_in_the_result_and_its_traceback_goes_to_stderr(capsys):
    def plan_the_run(context):
        return {}["plan"]

    ok, result = run_step(FakeAction(), plan_the_run)

    assert ok is False and result == {"error": "internal error (KeyError): 'plan'"}
    stderr = capsys.readouterr().err
    assert stderr.startswith("Traceback (most recent call last):")
    assert "in plan_the_run" in stderr and stderr.rstrip().endswith("KeyError: 'plan'")


def test_a_refusal_is_its_own_line_without_a_traceback(capsys):
    def refuse(context):
        raise PlanError("branch 'nope' not found in web; fix: push it or pick another")

    ok, result = run_step(FakeAction(), refuse)

    assert ok is False
    assert result == {"error": "branch 'nope' not found in web; fix: push it or pick another"}
    assert capsys.readouterr().err == ""


def test_a_step_gets_a_context_over_the_action_config_and_datastore():
    action = FakeAction()
    ok, result = run_step(
        action,
        lambda context: (context.config.registry_path, context.datastore is action.action_service),
    )
    assert ok is True and result == ("/nowhere", True)
