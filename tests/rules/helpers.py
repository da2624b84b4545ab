"""Small builders for rule dicts as the pack loader produces them."""


def make_rule(criteria, name="r", parameters=None, enabled=True, rule_type=None,
              trigger="test.event", trigger_parameters=None):
    rule = {"name": name, "pack": "test", "ref": "test.%s" % name, "enabled": enabled,
            "trigger": {"type": trigger}, "criteria": criteria,
            "action": {"ref": "core.echo", "parameters": parameters or {}}}
    if trigger_parameters is not None:
        rule["trigger"]["parameters"] = trigger_parameters
    if rule_type:
        rule["type"] = {"ref": rule_type}
    return rule
