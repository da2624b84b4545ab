"""A response checked against its inquiry's schema as StackStorm checks it (st2common's
util/schema `validate` with its CustomValidator, use_default and allow_default_none): JSON
Schema draft 4, except that `required` is draft 3's (`required: true` on a property; a
draft-4 `required` list is not checked), defaults stand in for missing properties, and a
property that is optional, or whose default is null, may be null."""

import copy


class ResponseInvalid(Exception):
    """One line: what is wrong with the response."""


def validate_response(response, schema):
    import jsonschema  # a tenth of a second to import: only when someone responds

    schema = _allow_null_where_optional(schema)
    instance = _with_defaults(copy.deepcopy(response), schema)
    errors = sorted(
        _validator_class(jsonschema)(schema).iter_errors(instance),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        error = errors[0]
        path = list(error.absolute_path)
        if error.validator == "required":  # draft 3 places it on the property that is missing
            path = path[:-1]
        where = ".".join(str(p) for p in path)
        raise ResponseInvalid(("at %s: %s" % (where, error.message)) if where else error.message)


def _validator_class(jsonschema):
    checks = dict(jsonschema.Draft4Validator.VALIDATORS)
    del checks["required"]
    checks["properties"] = jsonschema.Draft3Validator.VALIDATORS["properties"]
    return jsonschema.validators.create(
        meta_schema=jsonschema.Draft4Validator.META_SCHEMA,
        validators=checks,
        type_checker=jsonschema.Draft4Validator.TYPE_CHECKER,
    )


def _with_defaults(instance, schema):
    """Each missing property that has a default gets it, in nested objects too."""
    if not isinstance(instance, dict) or schema.get("type") != "object":
        return instance
    for name, spec in (schema.get("properties") or {}).items():
        if name not in instance and "default" in spec:
            instance[name] = copy.deepcopy(spec["default"])
        if name in instance:
            instance[name] = _with_defaults(instance[name], spec)
    return instance


def _allow_null_where_optional(schema):
    """StackStorm's modify_schema_allow_default_none: a property not required, or whose
    default is null, also takes null; nested objects alike."""
    schema = copy.deepcopy(schema)
    for name, spec in (schema.get("properties") or {}).items():
        optional = not spec.get("required", False)
        if (optional or "default" in spec) and spec.get("default") is None:
            _add_null(spec)
        if spec.get("type") == "object" and spec.get("properties"):
            schema["properties"][name] = _allow_null_where_optional(spec)
    return schema


def _add_null(spec):
    for combinator in ("anyOf", "oneOf"):
        if combinator in spec:
            if {"type": "null"} not in spec[combinator]:
                spec[combinator].append({"type": "null"})
            return
    kind = spec.get("type", "string")
    kinds = list(kind) if isinstance(kind, list) else [kind]
    if "null" not in kinds:
        spec["type"] = kinds + ["null"]
