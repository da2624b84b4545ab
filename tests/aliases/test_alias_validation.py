"""Alias definitions: what StackStorm's alias model accepts, and one-line errors otherwise."""

import pytest
from alias_helpers import make_alias

from st2lite.aliases import AliasValidationError, validate_alias

PATH = "packs/demo/aliases/deploy.yaml"


def error_for(alias):
    with pytest.raises(AliasValidationError) as raised:
        validate_alias(alias, PATH)
    message = raised.value.message
    assert message.startswith(PATH + ": ") and "\n" not in message
    return message


def test_full_alias_is_valid():
    alias = make_alias(
        "deploy",
        [
            "deploy {{ app }}",
            {
                "display": "ship <app>",
                "representation": ["ship {{ app }}"],
                "match_multiple": False,
            },
        ],
        description="Deploy.",
        enabled=True,
        ack={"enabled": True, "format": "ok", "append_url": False},
        result={"format": "{{ execution.status }}", "extra": {"color": "red"}},
        extra={"slack": {}},
        immutable_parameters={"env": "qa"},
        metadata_file="aliases/d.yaml",
    )
    assert validate_alias(alias, PATH) is None


def test_unknown_field_is_named():
    assert error_for(make_alias("d", ["x"], colour="red")).startswith(
        PATH + ": colour: unknown field"
    )


@pytest.mark.parametrize("missing", ["name", "pack", "action_ref"])
def test_required_field_is_named(missing):
    alias = make_alias("d", ["x"])
    del alias[missing]
    assert "'%s' is a required property" % missing in error_for(alias)


def test_wrong_type_names_the_nested_field():
    assert error_for(make_alias("d", ["x"], ack={"enabled": "yes"})).startswith(
        PATH + ": ack.enabled: 'yes' is not of type 'boolean'"
    )


def test_representation_must_be_a_list():
    message = error_for(make_alias("d", [{"display": "x", "representation": "x {{ a }}"}]))
    assert message.startswith(PATH + ": formats[0].representation:")


def test_format_must_be_string_or_mapping():
    assert "formats[0]" in error_for(make_alias("d", [42]))


def test_format_that_is_not_a_valid_regex_is_refused():
    message = error_for(make_alias("d", ["x", {"display": "y", "representation": ["y ({{ a }}"]}]))
    assert message.startswith(PATH + ": formats[1]:") and "y ({{ a }}" in message


def test_parameter_used_twice_in_one_format_is_refused():
    assert "formats[0]" in error_for(make_alias("d", ["copy {{ a }} to {{ a }}"]))


def test_alias_that_is_not_a_mapping():
    with pytest.raises(AliasValidationError) as raised:
        validate_alias(["name", "x"], PATH)
    assert (
        raised.value.message == PATH + ": top level: an alias must be a mapping of fields, not list"
    )
