"""Small builders for rule dicts as the pack loader produces them, and a recorder of what timers
dispatch."""

import threading


def make_rule(
    criteria,
    name="r",
    parameters=None,
    enabled=True,
    rule_type=None,
    trigger="test.event",
    trigger_parameters=None,
):
    rule = {
        "name": name,
        "pack": "test",
        "ref": "test.%s" % name,
        "enabled": enabled,
        "trigger": {"type": trigger},
        "criteria": criteria,
        "action": {"ref": "core.echo", "parameters": parameters or {}},
    }
    if trigger_parameters is not None:
        rule["trigger"]["parameters"] = trigger_parameters
    if rule_type:
        rule["type"] = {"ref": rule_type}
    return rule


class DispatchRecorder(object):
    """A timer dispatch (ref, payload, trigger_parameters) that records each call; wait_for
    waits, at most `timeout` seconds, until predicate(calls) holds."""

    def __init__(self):
        self.calls = []
        self._changed = threading.Condition()

    def __call__(self, ref, payload, trigger_parameters=None):
        with self._changed:
            self.calls.append((ref, payload, trigger_parameters))
            self._changed.notify_all()

    def wait_for(self, predicate, timeout=10):
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self.calls), timeout)
