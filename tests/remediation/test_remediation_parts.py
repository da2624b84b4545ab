"""The parts under the remediation workflows: its settings (one line per bad value) and the
flapping counter (reported once per episode). The Mesos sandbox tail a report shows is the
Marathon back end's (tests/marathon/test_marathon_sandbox.py)."""

import pytest
from qaeci import remediation_records
from qaeci.errors import ConfigError
from qaeci.remediation_settings import RemediationSettings


def test_settings_have_the_documented_defaults():
    settings = RemediationSettings({})
    assert (
        settings.factor,
        settings.max_memory,
        settings.retry_failed_deployment,
        settings.flapping_failures,
        settings.flapping_window,
        settings.chat_channel,
    ) == (1.5, 8192, False, 3, 600, "")
    assert (settings.guard.max_per_hour, settings.guard.dry_run) == (3, False)


def test_the_packs_notify_channel_is_the_default_chat_channel():
    assert RemediationSettings({"notify": {"channel": "#ops"}}).chat_channel == "#ops"
    assert (
        RemediationSettings(
            {"notify": {"channel": "#ops"}, "remediation": {"chat_channel": "#fixes"}}
        ).chat_channel
        == "#fixes"
    )


@pytest.mark.parametrize(
    "setting, line",
    [
        ({"factor": 0.5}, "remediation.factor is 0.5; fix: set it to a number above 1"),
        (
            {"flapping_failures": 1},
            "remediation.flapping_failures is 1; fix: set it to a whole number of at least 2",
        ),
        (
            {"retry_failed_deployment": "yes"},
            "remediation.retry_failed_deployment is 'yes'; fix: set it to true or false",
        ),
        (
            {"max_per_hour": -1},
            "remediation.max_per_hour is -1; fix: set it to a whole number >= 0",
        ),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_the_fix(setting, line):
    with pytest.raises(ConfigError) as caught:
        RemediationSettings({"remediation": setting})
    assert str(caught.value) == line


def test_flapping_is_reported_once_per_episode(datastore):
    def fail(at):
        state = remediation_records.note_failure(datastore, "qa1/web", at, 3, 10)
        return state.flapping, state.report

    assert [fail(at) for at in (0, 1, 2, 3)] == [
        (False, False),
        (False, False),
        (True, True),
        (True, False),
    ]
    assert fail(30) == (False, False)  # the window holds one failure: the episode is over
    assert [fail(at) for at in (31, 32)] == [(False, False), (True, True)]
