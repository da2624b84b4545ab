"""The quick schema check used at load time agrees with jsonschema on what it accepts."""

import jsonschema
import pytest

from st2lite.aliases.validation import ALIAS_SCHEMA, _conforms

BASE = {"name": "up", "pack": "p", "action_ref": "p.up"}

CASES = [
    BASE,
    dict(BASE, formats=["env up {{env}}", {"display": "d", "representation": ["x {{y}}"]}]),
    dict(BASE, formats=[{"display": 3}]),
    dict(BASE, formats=[{"representation": "not a list"}]),
    dict(BASE, formats="env up"),
    dict(BASE, formats=[None]),
    dict(BASE, description=None),
    dict(BASE, description=7),
    dict(BASE, enabled="yes"),
    dict(BASE, ack={"enabled": False, "format": "ok", "append_url": True}),
    dict(BASE, ack={"enabled": 1}),
    dict(BASE, result={"extra": []}),
    dict(BASE, extra={"slack": {"color": "red"}}),
    dict(BASE, immutable_parameters=[]),
    dict(BASE, surprise=1),
    {"name": "up", "pack": "p"},
    dict(BASE, name=None),
]


@pytest.mark.parametrize("alias", CASES)
def test_quick_check_matches_jsonschema(alias):
    valid = jsonschema.Draft7Validator(ALIAS_SCHEMA).is_valid(alias)
    assert _conforms(alias, ALIAS_SCHEMA) == valid
