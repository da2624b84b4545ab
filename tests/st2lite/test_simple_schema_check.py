"""The quick type/enum check that spares most runs from importing jsonschema never accepts a
value jsonschema refuses, and leaves richer schemas to jsonschema."""

import jsonschema
import pytest

from st2lite.params import simply_valid

CASES = [
    ({"type": "string"}, "x"),
    ({"type": "string"}, 3),
    ({"type": "integer"}, 3),
    ({"type": "integer"}, True),
    ({"type": "integer"}, 3.5),
    ({"type": "number"}, 3.5),
    ({"type": "boolean"}, 1),
    ({"type": "boolean"}, False),
    ({"type": "array"}, [1]),
    ({"type": "object"}, {}),
    ({"type": "string", "enum": ["local", "marathon"]}, "local"),
    ({"type": "string", "enum": ["local", "marathon"]}, "k8s"),
    ({"type": "integer", "enum": [1, 2]}, True),
    ({"type": "boolean", "enum": [True]}, True),
    ({"type": "string", "description": "d", "enum": ["a"]}, "a"),
    ({"type": "string", "pattern": "^a"}, "b"),
    ({"type": "integer", "minimum": 5}, 3),
    ({"enum": ["a"]}, "a"),
    ({"type": ["string", "null"]}, None),
    ({}, "x"),
    ({}, None),
    ({"description": "d"}, [1]),
    ({"enum": ["a"]}, "b"),
    ({"enum": [1]}, True),
    ({"enum": [1]}, 1.0),
]


@pytest.mark.parametrize("spec,value", CASES)
def test_quick_check_accepts_only_what_jsonschema_accepts(spec, value):
    if simply_valid(value, spec):
        assert jsonschema.Draft4Validator(spec).is_valid(value)


def test_quick_check_decides_the_common_valid_cases_itself():
    assert simply_valid("local", {"type": "string", "enum": ["local", "marathon"]})
    assert simply_valid(8080, {"type": "integer", "description": "port"})
    assert simply_valid({"any": "value"}, {"description": "an untyped parameter"})
    assert not simply_valid("x", {"type": "string", "pattern": "^x$"})  # left to jsonschema
