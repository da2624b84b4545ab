"""The pack config's `remediation:` section, with its defaults, checked once: a bad value is one
line naming the key and the fix."""

from qaeci import automation
from qaeci.errors import ConfigError

SECTION = "remediation"
DEFAULTS = {
    "factor": 1.5,  # an OOM-killed app's memory is multiplied by this
    "max_memory": 8192,  # MB; never raised above (nor above the largest agent)
    "retry_failed_deployment": False,  # a failed deployment is reported; retried once if true
    "flapping_failures": 3,  # K failures of an app ...
    "flapping_window": 600,  # ... within this many seconds: flapping, left alone
    "relaunch_timeout": 300,  # seconds to wait for a lost agent's tasks elsewhere
    "log_lines": 20,  # lines of log in a report
    "chat_channel": "",  # where chatops.post_message posts ("": notify.channel)
}


class RemediationSettings(object):
    def __init__(self, values=None):
        values = values or {}
        own = values.get(SECTION) or {}
        if not isinstance(own, dict):
            raise ConfigError(
                "remediation must be a mapping; fix: write remediation: "
                "{max_per_hour: 3, factor: 1.5}"
            )
        merged = dict(DEFAULTS)
        merged.update({key: value for key, value in own.items() if value is not None})
        self.guard = automation.Settings.from_config(values, SECTION)
        self.factor = _number(merged, "factor", lowest=1.0, exclusive=True)
        self.max_memory = _number(merged, "max_memory", lowest=1)
        self.retry_failed_deployment = _flag(merged, "retry_failed_deployment")
        self.flapping_failures = int(_number(merged, "flapping_failures", lowest=2, whole=True))
        self.flapping_window = _number(merged, "flapping_window", lowest=1)
        self.relaunch_timeout = _number(merged, "relaunch_timeout", lowest=0)
        self.log_lines = int(_number(merged, "log_lines", lowest=0, whole=True))
        # The pack's one chat channel (notify.channel) unless remediation names its own.
        notify = values.get("notify") if isinstance(values.get("notify"), dict) else {}
        self.chat_channel = str(merged["chat_channel"] or notify.get("channel") or "")


def _number(values, name, lowest, exclusive=False, whole=False):
    value = values[name]
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and (value > lowest if exclusive else value >= lowest)
    ok = ok and (not whole or float(value).is_integer())
    if not ok:
        raise ConfigError(
            "remediation.%s is %r; fix: set it to a %s %s %s"
            % (
                name,
                value,
                "whole number" if whole else "number",
                "above" if exclusive else "of at least",
                _plain(lowest),
            )
        )
    return value


def _flag(values, name):
    value = values[name]
    if not isinstance(value, bool):
        raise ConfigError("remediation.%s is %r; fix: set it to true or false" % (name, value))
    return value


def _plain(number):
    return int(number) if float(number).is_integer() else number
