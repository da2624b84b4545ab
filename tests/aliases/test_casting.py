"""Casting extracted text to the action's parameter types, as alias execution does."""

import pytest

from st2lite.aliases import AliasParameterError, cast_alias_parameters

SCHEMA = {
    "hosts": {"type": "array"},
    "force": {"type": "boolean"},
    "count": {"type": "integer"},
    "ratio": {"type": "number"},
    "opts": {"type": "object"},
    "name": {"type": "string"},
    "anything": {},
}


def test_each_type_is_cast_as_stackstorm_casts_alias_parameters():
    cast = cast_alias_parameters(
        {
            "hosts": "a, b ,c",
            "force": "true",
            "count": "3",
            "ratio": "2",
            "opts": '{"a": 1}',
            "name": "web",
            "anything": "7",
            "extra": "x",
        },
        SCHEMA,
    )
    assert cast == {
        "hosts": ["a", "b", "c"],
        "force": True,
        "count": 3,
        "ratio": 2.0,
        "opts": {"a": 1},
        "name": "web",
        "anything": "7",
        "extra": "x",
    }


def test_array_text_is_split_on_commas_not_read_as_json():
    assert cast_alias_parameters({"hosts": '["a"]'}, SCHEMA) == {"hosts": ['["a"]']}


def test_object_accepts_python_literal_text():
    assert cast_alias_parameters({"opts": "{'a': 1}"}, SCHEMA) == {"opts": {"a": 1}}


def test_input_parameters_are_not_modified():
    parameters = {"count": "3"}
    cast_alias_parameters(parameters, SCHEMA)
    assert parameters == {"count": "3"}


@pytest.mark.parametrize("name, value", [("force", "yes"), ("count", "many"), ("ratio", "x")])
def test_uncastable_value_is_a_one_line_error_naming_the_parameter(name, value):
    with pytest.raises(AliasParameterError) as raised:
        cast_alias_parameters({name: value}, SCHEMA)
    assert raised.value.message.startswith('parameter "%s": "%s" is not a valid' % (name, value))
    assert "\n" not in raised.value.message
