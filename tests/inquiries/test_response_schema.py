"""Responses are checked as StackStorm checks them: draft 4, with draft 3's `required`."""

import pytest

from st2lite.inquiries.response_schema import ResponseInvalid, validate_response
from st2lite.packs.builtin import DEFAULT_INQUIRY_SCHEMA


def test_the_default_schema_wants_a_boolean_continue():
    validate_response({"continue": True}, DEFAULT_INQUIRY_SCHEMA)
    with pytest.raises(ResponseInvalid, match="'continue' is a required property"):
        validate_response({}, DEFAULT_INQUIRY_SCHEMA)
    with pytest.raises(ResponseInvalid, match="at continue: 'yes' is not of type 'boolean'"):
        validate_response({"continue": "yes"}, DEFAULT_INQUIRY_SCHEMA)


def test_a_draft4_required_list_is_not_checked_as_on_stackstorm():
    schema = {
        "type": "object",
        "required": ["continue"],
        "properties": {"continue": {"type": "boolean"}},
    }
    validate_response({}, schema)


def test_a_default_stands_in_for_a_missing_required_property():
    schema = {
        "type": "object",
        "properties": {"size": {"type": "integer", "required": True, "default": 2}},
    }
    validate_response({}, schema)
    with pytest.raises(ResponseInvalid, match="at size"):
        validate_response({"size": "two"}, schema)


def test_an_optional_property_may_be_null_a_required_one_may_not():
    schema = {
        "type": "object",
        "properties": {
            "reason": {"type": "string"},
            "continue": {"type": "boolean", "required": True},
        },
    }
    validate_response({"continue": True, "reason": None}, schema)
    with pytest.raises(ResponseInvalid, match="at continue: None is not of type 'boolean'"):
        validate_response({"continue": None}, schema)


def test_nested_objects_are_checked_with_the_same_rules():
    schema = {
        "type": "object",
        "properties": {
            "step": {
                "type": "object",
                "required": True,
                "properties": {"count": {"type": "integer", "required": True, "minimum": 1}},
            }
        },
    }
    validate_response({"step": {"count": 3}}, schema)
    with pytest.raises(ResponseInvalid, match="'count' is a required property"):
        validate_response({"step": {}}, schema)
    with pytest.raises(ResponseInvalid, match="at step.count: 0 is less than the minimum"):
        validate_response({"step": {"count": 0}}, schema)
