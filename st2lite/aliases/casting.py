"""Cast extracted alias parameters (all text) to the action's parameter types.

StackStorm's alias execution casts as ``st2 run`` does with one override: an ``array`` is
the text split on commas, each item stripped (no JSON). ``boolean`` text is read as a
Python literal ("true" -> True, "1" -> 1), ``number`` becomes a float, ``object`` is JSON
or a Python literal. Parameters without a schema or a type are left as text.
"""

import ast
import json

from .errors import AliasError

# st2's Jinja marker for "render this as None".
NONE_MAGIC_VALUE = "%*****__%NONE%__*****%"


class AliasParameterError(AliasError):
    """An extracted parameter cannot be cast to the type the action declares."""


def _none(value):
    return None if value == NONE_MAGIC_VALUE else value


def _cast_array(value):
    if isinstance(value, list):
        return value
    return [item.strip() for item in value.split(",")]


def _cast_object(value):
    value = _none(value)
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return ast.literal_eval(value)


def _cast_boolean(value):
    value = _none(value)
    return ast.literal_eval(value.capitalize()) if isinstance(value, str) else value


def _cast_integer(value):
    return int(_none(value))


def _cast_number(value):
    return float(_none(value))


def _cast_string(value):
    return _none(value) if isinstance(value, str) else value


_CASTS = {
    "array": _cast_array,
    "object": _cast_object,
    "boolean": _cast_boolean,
    "integer": _cast_integer,
    "number": _cast_number,
    "string": _cast_string,
}


def cast_alias_parameters(parameters, parameters_schema):
    """A copy of ``parameters`` cast by ``parameters_schema`` (runner and action merged)."""
    cast = dict(parameters)
    for name, value in parameters.items():
        declared_type = (parameters_schema.get(name) or {}).get("type")
        caster = _CASTS.get(declared_type)
        if caster is None or value is None:
            continue
        try:
            cast[name] = caster(value)
        except (ValueError, SyntaxError, TypeError) as error:
            raise AliasParameterError(
                'parameter "%s": "%s" is not a valid %s (%s); change the value in the command'
                % (name, value, declared_type, _first_line(error))
            ) from None
    return cast


def _first_line(error):
    return (str(error).splitlines() or [type(error).__name__])[0]
