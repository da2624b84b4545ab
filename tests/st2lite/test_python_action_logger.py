"""A python action's `self.logger` writes to stderr as StackStorm's python runner sets it up:
logger `actions.python.<ClassName>`, `%(name)-12s: %(levelname)-8s %(message)s`, from DEBUG up
unless the `log_level` runner parameter says otherwise."""

import os

import pytest

from st2lite.runtime import Runtime, RuntimeError_

PACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logger_packs")
ALL_LINES = [
    "actions.python.Speak: DEBUG    debug hi",
    "actions.python.Speak: INFO     info hi",
    "actions.python.Speak: WARNING  warning hi",
    "actions.python.Speak: ERROR    error hi",
]


@pytest.fixture(params=["1", "0"], ids=["fork-server", "fresh-process"])
def runtime(request, tmp_path, monkeypatch):
    monkeypatch.setenv("ST2LITE_PYTHON_FORK", request.param)
    return Runtime([PACKS], str(tmp_path / "state"))


def stderr_lines(execution):
    assert execution["status"] == "succeeded", execution["result"]
    return execution["result"]["stderr"].splitlines()


def test_every_level_from_debug_is_logged_by_default(runtime):
    assert stderr_lines(runtime.execute("logpack.speak", {})) == ALL_LINES


def test_log_level_keeps_only_the_lines_from_that_level_up(runtime):
    execution = runtime.execute("logpack.speak", {"log_level": "WARNING"})
    assert stderr_lines(execution) == ALL_LINES[2:]


def test_audit_silences_the_action_logger(runtime):
    assert stderr_lines(runtime.execute("logpack.speak", {"log_level": "AUDIT"})) == []


def test_an_unknown_log_level_is_refused_before_the_action_runs(tmp_path):
    runtime = Runtime([PACKS], str(tmp_path / "state"))
    with pytest.raises(RuntimeError_, match="log_level"):
        runtime.request("logpack.speak", {"log_level": "LOUD"})
