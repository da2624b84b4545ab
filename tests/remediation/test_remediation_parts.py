"""The parts under the remediation workflows: its settings (one line per bad value), the
flapping counter (reported once per episode), and the Mesos sandbox tail read from an agent's
/files/read (the agent double answers as the recorded payloads)."""
import json
import urllib.error
import urllib.request

import pytest

from qaeci import remediation_records, sandbox
from qaeci.errors import ConfigError
from qaeci.remediation_settings import RemediationSettings
from tests.doubles.mesos_agent import MesosAgentDouble


def test_settings_have_the_documented_defaults():
    settings = RemediationSettings({})
    assert (settings.factor, settings.max_memory, settings.retry_failed_deployment,
            settings.flapping_failures, settings.flapping_window, settings.chat_channel) == \
        (1.5, 8192, False, 3, 600, "")
    assert (settings.guard.max_per_hour, settings.guard.dry_run) == (3, False)


def test_the_packs_notify_channel_is_the_default_chat_channel():
    assert RemediationSettings({"notify": {"channel": "#ops"}}).chat_channel == "#ops"
    assert RemediationSettings({"notify": {"channel": "#ops"},
                                "remediation": {"chat_channel": "#fixes"}}).chat_channel == \
        "#fixes"


@pytest.mark.parametrize("setting, line", [
    ({"factor": 0.5}, "remediation.factor is 0.5; fix: set it to a number above 1"),
    ({"flapping_failures": 1}, "remediation.flapping_failures is 1; fix: set it to a whole "
                               "number of at least 2"),
    ({"retry_failed_deployment": "yes"}, "remediation.retry_failed_deployment is 'yes'; fix: "
                                         "set it to true or false"),
    ({"max_per_hour": -1}, "remediation.max_per_hour is -1; fix: set it to a whole number >= 0"),
])
def test_a_bad_setting_is_one_line_naming_it_and_the_fix(setting, line):
    with pytest.raises(ConfigError) as caught:
        RemediationSettings({"remediation": setting})
    assert str(caught.value) == line


def test_flapping_is_reported_once_per_episode(datastore):
    def fail(at):
        state = remediation_records.note_failure(datastore, "qa1/web", at, 3, 10)
        return state.flapping, state.report

    assert [fail(at) for at in (0, 1, 2, 3)] == [(False, False), (False, False), (True, True),
                                                 (True, False)]
    assert fail(30) == (False, False)  # the window holds one failure: the episode is over
    assert [fail(at) for at in (31, 32)] == [(False, False), (True, True)]


@pytest.fixture
def agent():
    double = MesosAgentDouble().start()
    yield double
    double.stop()


def test_a_sandbox_tail_is_the_last_lines_of_the_file(agent):
    path = sandbox.sandbox_path("a-S3", "f-0001", "t1") + "/stdout"
    agent.put(path, "".join("line %05d\n" % number for number in range(3000)))
    assert sandbox.read_tail(agent.url, path, 3) == "line 02997\nline 02998\nline 02999"
    tail = sandbox.read_tail(agent.url, path, 5000).splitlines()
    assert tail[0] != "line 0" and tail[-1] == "line 02999"  # the cut first line is dropped
    assert len(tail) < 3000  # at most TAIL_BYTES were read


def test_an_unknown_sandbox_is_one_line(agent):
    with pytest.raises(sandbox.SandboxUnreadable) as caught:
        sandbox.read_tail(agent.url, "/slaves/x/stdout", 5)
    assert str(caught.value) == "%s answered HTTP 404 for /slaves/x/stdout" % agent.url


def test_the_agent_double_answers_files_read_as_mesos(agent):
    agent.put("/f", "hello world")

    def get(query):
        try:
            with urllib.request.urlopen(agent.url + "/files/read?" + query) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    assert get("path=/f&offset=-1") == (200, {"data": "", "offset": 11})
    assert get("path=/f&offset=6&length=3") == (200, {"data": "wor", "offset": 6})
    assert get("path=/f&offset=20") == (200, {"data": "", "offset": 20})
    assert get("path=/f") == (400, "Expecting 'offset=value' in query.\n")
