"""ST2_ACTION_DEBUG: the `debug` runner parameter as StackStorm hands it to actions, "True" or
"False" (Python's spelling of the bool)."""

import os

import pytest

from st2lite.runtime import Runtime

PACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logger_packs")


@pytest.fixture
def runtime(tmp_path):
    return Runtime([PACKS], str(tmp_path / "state"))


@pytest.mark.parametrize("debug", [True, False])
def test_a_python_action_gets_its_debug_parameter(runtime, debug):
    execution = runtime.execute("logpack.debug_flag", {"debug": debug})
    assert execution["status"] == "succeeded", execution["result"]
    assert execution["result"]["result"] == str(debug)


def test_a_shell_script_gets_it_too(runtime):
    execution = runtime.execute("logpack.debug_flag_sh", {"debug": True})
    assert execution["result"]["stdout"] == "True"


def test_a_command_without_the_parameter_gets_false(runtime):
    execution = runtime.execute("core.local", {"cmd": 'printf %s "$ST2_ACTION_DEBUG"'})
    assert execution["result"]["stdout"] == "False"
