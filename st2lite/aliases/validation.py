"""Check an alias definition against the fields StackStorm's API model accepts.

Beyond the schema, every representation must compile to a regular expression: on
StackStorm a broken one breaks matching for every command, so it is refused at load time.
"""

from st2lite.params import is_json_type

from .compiled import compile_representation
from .errors import AliasValidationError
from .formats import iter_format_entries

_STRING = {"type": "string"}
_BOOLEAN = {"type": "boolean"}
_OBJECT = {"type": "object"}

ALIAS_SCHEMA = {
    "type": "object",
    "required": ["name", "pack", "action_ref"],
    "additionalProperties": False,
    "properties": {
        "id": _STRING,
        "ref": _STRING,
        "uid": _STRING,
        "name": _STRING,
        "pack": _STRING,
        "description": {"type": ["string", "null"]},
        "enabled": _BOOLEAN,
        "action_ref": _STRING,
        "formats": {
            "type": "array",
            "items": {
                "anyOf": [
                    _STRING,
                    {
                        "type": "object",
                        "properties": {
                            "display": _STRING,
                            "representation": {"type": "array", "items": _STRING},
                        },
                    },
                ]
            },
        },
        "ack": {
            "type": "object",
            "properties": {
                "enabled": _BOOLEAN,
                "format": _STRING,
                "extra": _OBJECT,
                "append_url": _BOOLEAN,
            },
        },
        "result": {
            "type": "object",
            "properties": {"enabled": _BOOLEAN, "format": _STRING, "extra": _OBJECT},
        },
        "extra": _OBJECT,
        "immutable_parameters": _OBJECT,
        "metadata_file": _STRING,
    },
}

_HINTS = {
    "required": "add it",
    "anyOf": "a format is a string, or a mapping with a display string and a "
    "representation list of strings",
    "type": "fix its type",
}


def validate_alias(alias, path) -> None:
    """Raise AliasValidationError("file: field: reason") when ``alias`` is not valid."""
    if not isinstance(alias, dict):
        raise AliasValidationError(
            "%s: top level: an alias must be a mapping of fields, "
            "not %s" % (path, type(alias).__name__)
        )
    _check_known_fields(alias, path)
    _check_schema(alias, path)
    _check_formats_compile(alias, path)


def _check_known_fields(alias, path):
    unknown = sorted(set(alias) - set(ALIAS_SCHEMA["properties"]))
    if unknown:
        raise AliasValidationError(
            "%s: %s: unknown field; remove it (alias fields are %s)"
            % (path, unknown[0], ", ".join(sorted(ALIAS_SCHEMA["properties"])))
        )


def _conforms(value, schema):
    """Whether value satisfies schema, for the keywords ALIAS_SCHEMA uses: the common, valid
    case is decided without importing jsonschema (a tenth of a second of every load)."""
    kinds = schema.get("type")
    if kinds is not None and not any(
        is_json_type(value, kind) for kind in ([kinds] if isinstance(kinds, str) else kinds)
    ):
        return False
    if "anyOf" in schema and not any(_conforms(value, option) for option in schema["anyOf"]):
        return False
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        if any(name not in value for name in schema.get("required", ())):
            return False
        if schema.get("additionalProperties") is False and set(value) - set(properties):
            return False
        return all(
            _conforms(item, properties[name]) for name, item in value.items() if name in properties
        )
    if isinstance(value, list) and "items" in schema:
        return all(_conforms(item, schema["items"]) for item in value)
    return True


def _check_schema(alias, path):
    if _conforms(alias, ALIAS_SCHEMA):
        return
    import jsonschema  # only to explain what is wrong

    error = jsonschema.exceptions.best_match(
        jsonschema.Draft7Validator(ALIAS_SCHEMA).iter_errors(alias)
    )
    if error is None:
        return
    field = _field_name(error.absolute_path) or "top level"
    hint = _HINTS.get(error.validator, "fix the value")
    raise AliasValidationError("%s: %s: %s; %s" % (path, field, _one_line(error.message), hint))


def _check_formats_compile(alias, path):
    for index, alias_format in enumerate(alias.get("formats") or []):
        where = "%s: formats[%d]" % (path, index)
        for entry in iter_format_entries({"formats": [alias_format]}):
            compile_representation(entry.representation, where)


def _field_name(parts):
    name = ""
    for part in parts:
        name += "[%d]" % part if isinstance(part, int) else ("." if name else "") + part
    return name


def _one_line(text):
    return " ".join(text.split())
