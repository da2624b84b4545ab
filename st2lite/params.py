"""Action parameters as StackStorm treats them: runner + action schemas merged, text cast by type,
immutables and required checked, defaults and Jinja rendered once in dependency order
(param_graph), values cast and validated, secrets masked."""

import ast
import copy
import json

from st2lite.packs.builtin import RUNNER_PARAMETERS
from st2lite.param_graph import ParameterGraph, RenderError
from st2lite.param_jinja import NONE_MAGIC_VALUE, datastore_scopes, render
from st2lite.param_jinja import is_template as _is_template

MASK = "********"
# Attributes of a StackStorm parameter that are not JSON Schema keywords.
ST2_ONLY_KEYS = ("required", "immutable", "secret", "position", "default")


class ParameterError(Exception):
    """A one-line, user-facing problem with the parameters of a run."""


def action_schema(action):
    """The action's parameters over its runner's: the action may override a runner parameter."""
    merged = copy.deepcopy(RUNNER_PARAMETERS.get(action["runner_type"], {}))
    for name, schema in (action.get("parameters") or {}).items():
        merged[name] = dict(merged.get(name, {}), **(schema or {}))
    return merged


def secret_names(schema):
    return [name for name, spec in schema.items() if spec.get("secret")]


def mask_secrets(schema, params):
    return dict(
        (k, MASK if (schema.get(k) or {}).get("secret") and v is not None else v)
        for k, v in params.items()
    )


# --- casting -------------------------------------------------------------------------------


def cast_value(name, value, spec):
    """A value cast to its parameter's declared type as StackStorm casts it (st2common.util.casts):
    text to a structure or boolean, every integer through int() and number through float(), the
    `use_none` marker to None. None, and the value of an untyped parameter, stay as they are."""
    kind = (spec or {}).get("type")
    if value is None or kind not in _CASTS:
        return value
    try:
        return _CASTS[kind](value)
    except (ValueError, SyntaxError, TypeError) as error:
        raise ParameterError("parameter %r: %r is not a valid %s" % (name, value, kind)) from error


def cast_given(schema, params):
    """Values given to a workflow task or rule, cast as StackStorm's cast_params casts them.
    A template is cast once rendered."""
    return dict(
        (name, value if _is_template(value) else cast_value(name, value, schema.get(name)))
        for name, value in params.items()
    )


def _none_marker_to_none(value):
    return None if value == NONE_MAGIC_VALUE else value


def _cast_structure(value):
    value = _none_marker_to_none(value)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return ast.literal_eval(value)
    return value


def _cast_boolean(value):
    value = _none_marker_to_none(value)
    if isinstance(value, str):
        return ast.literal_eval(value.capitalize())
    return value


def _cast_string(value):
    if not isinstance(value, str):
        raise ValueError(value)
    return _none_marker_to_none(value)


_CASTS = {
    "array": _cast_structure,
    "object": _cast_structure,
    "boolean": _cast_boolean,
    "integer": lambda v: int(_none_marker_to_none(v)),
    "number": lambda v: float(_none_marker_to_none(v)),
    "string": _cast_string,
}

_TRUE_WORDS = ("true", "1", "yes", "y", "on")
_FALSE_WORDS = ("false", "0", "no", "n", "off")


def cast_cli_text(schema, name, text):
    """`st2 run` casting of key=value text: arrays from comma-separated text or JSON, objects from
    JSON, booleans and numbers from their text; untyped parameters stay text."""
    kind = (schema.get(name) or {}).get("type")
    try:
        if kind == "array":
            stripped = text.strip()
            if stripped.startswith("["):
                return json.loads(stripped)
            return [part.strip() for part in text.split(",")] if text else []
        if kind == "object":
            return json.loads(text)
        if kind == "integer":
            return int(text)
        if kind == "number":
            number = float(text)
            return int(number) if number.is_integer() and "." not in text else number
        if kind == "boolean":
            if text.lower() in _TRUE_WORDS:
                return True
            if text.lower() in _FALSE_WORDS:
                return False
            raise ValueError(text)
    except ValueError as error:
        raise ParameterError(
            "parameter %r: %r is not a valid %s (for an %s, %s)"
            % (name, text, kind, kind, _HOW_TO_WRITE.get(kind, ""))
        ) from error
    return text


_HOW_TO_WRITE = {
    "array": "write a,b,c or JSON like [1, 2]",
    "object": 'write JSON like {"k": "v"}',
    "integer": "write digits like 42",
    "number": "write a number like 2.5",
    "boolean": "write true or false",
}


def parse_cli_pairs(schema, pairs):
    """['k=v', ...] from the command line into typed parameters."""
    params = {}
    for pair in pairs:
        if "=" not in pair:
            raise ParameterError("%r is not key=value: write parameters as name=value" % pair)
        name, text = pair.split("=", 1)
        params[name.strip()] = cast_cli_text(schema, name.strip(), text)
    return params


# --- finalising ----------------------------------------------------------------------------


def check_given(action, given):
    """Refuse, before anything is recorded, what can never run: unknown or immutable parameters,
    required ones missing without a default, values of the wrong type."""
    schema = action_schema(action)
    unknown = sorted(set(given) - set(schema))
    if unknown:
        raise ParameterError(
            "%s has no parameter %s; it takes: %s"
            % (
                action["ref"],
                ", ".join(repr(u) for u in unknown),
                ", ".join(sorted(schema)) or "none",
            )
        )
    for name in given:
        spec = schema[name]
        if spec.get("immutable"):  # even at its default value, as StackStorm refuses it
            raise ParameterError(
                "parameter %r of %s is immutable: leave it out" % (name, action["ref"])
            )
    _check_required(
        action["ref"],
        schema,
        dict((n, s.get("default")) for n, s in schema.items() if "default" in s),
        given,
    )
    validate_values(
        action["ref"], schema, dict((k, v) for k, v in given.items() if not _is_template(v))
    )
    return schema


def finalize(action, given, context, kv_lookup, pack_config):
    """The parameters the action runs with, as StackStorm's runner container gets them: every
    parameter declared (None where there is neither value nor default), Jinja rendered once in
    dependency order, values cast to their types; then checked."""
    schema = check_given(action, given)
    contexts = render_contexts(action, context, kv_lookup, pack_config)
    live = dict(given) if given_is_rendered(context) else render_live(schema, given, contexts)
    values = render_final(schema, live, contexts)
    _check_required(action["ref"], schema, values, {})
    validate_values(
        action["ref"],
        schema,
        dict((k, v) for k, v in values.items() if v is not None or k in given),
    )
    return values


def given_is_rendered(context):
    """Whether the values given arrive already rendered. StackStorm's API and workflow engine
    render them (render_live_params); its rules engine renders a rule's parameters with the
    trigger payload itself (st2lite.rules does, before the request), and an alias execution
    is requested without rendering: chat text is never Jinja."""
    return "rule" in (context or {}) or "action_alias_ref" in (context or {})


def render_contexts(action, context, kv_lookup, pack_config):
    """What templates read besides the parameters: the datastore, the execution's context (with
    the action's pack, which StackStorm adds to every execution's) and the pack's config."""
    return {
        "st2kv": datastore_scopes(kv_lookup),
        "action_context": dict(context or {}, pack=action["pack"]),
        "config_context": pack_config or {},
    }


def render_live(schema, given, contexts):
    """StackStorm's render_live_params: the values given, rendered and cast, plus the defaults
    that are templates, rendered (they are the values the execution then holds)."""
    rendered = _resolve(schema, given, contexts, given_as_templates=True)
    live = dict((name, cast_value(name, rendered[name], schema.get(name))) for name in given)
    for name, spec in schema.items():
        if name not in given and _default_rendered(spec, rendered[name]):
            live[name] = cast_value(name, rendered[name], spec)
    return live


def render_final(schema, live, contexts):
    """StackStorm's render_final_params: the live values as they are (never rendered again),
    the other parameters from their defaults, every one cast."""
    rendered = _resolve(schema, live, contexts, given_as_templates=False)
    return dict((name, cast_value(name, rendered[name], spec)) for name, spec in schema.items())


def _resolve(schema, values, contexts, given_as_templates):
    graph = ParameterGraph(contexts)
    for name, value in values.items():
        if given_as_templates:
            graph.add(name, value)
        else:
            graph.add_value(name, value)
    # A default applies where there is no value (None counts as none, a template too), and
    # always to an immutable parameter.
    for name, spec in schema.items():
        if not graph.has_value(name) or spec.get("immutable"):
            graph.add(name, copy.deepcopy(spec.get("default")))
    try:
        return graph.resolve()
    except RenderError as e:
        raise ParameterError(str(e)) from e


def _default_rendered(spec, value):
    default = spec.get("default")
    return not spec.get("immutable") and _is_template(default) and default != value


def _check_required(ref, schema, defaults, given):
    values = dict(defaults, **given)
    missing = [n for n, s in sorted(schema.items()) if s.get("required") and values.get(n) is None]
    if missing:
        raise ParameterError(
            "%s needs %s: give %s"
            % (ref, ", ".join(repr(m) for m in missing), " ".join("%s=..." % m for m in missing))
        )


# JSON Schema (draft 4) types as Python types; bool is not a number there.
_JSON_TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
    "null": (type(None),),
}
_DESCRIPTIVE_KEYS = {"type", "description", "title"}
_SIMPLE_KEYS = _DESCRIPTIVE_KEYS | {"enum"}


def validate_values(ref, schema, values):
    for name, value in values.items():
        spec = dict((k, v) for k, v in (schema.get(name) or {}).items() if k not in ST2_ONLY_KEYS)
        if value is None and not spec.get("enum"):
            continue
        if set(spec) <= _DESCRIPTIVE_KEYS and spec.get("type") in _JSON_TYPES:
            _check_type(ref, name, value, spec["type"])
        elif not simply_valid(value, spec):
            _validate_schema(ref, name, value, spec)


def simply_valid(value, spec):
    """Whether value satisfies a schema of only a type and an enum (and descriptions), decided
    without jsonschema. False means jsonschema must decide: a richer schema, or a value that
    fails and needs its explanation."""
    kind = spec.get("type")
    if not set(spec) <= _SIMPLE_KEYS:
        return False
    if kind is not None and not (
        isinstance(kind, str) and kind in _JSON_TYPES and is_json_type(value, kind)
    ):
        return False  # no type at all (an untyped parameter) takes any value
    return "enum" not in spec or any(
        option == value and type(option) is type(value) for option in spec["enum"]
    )


def is_json_type(value, kind):
    """Whether value is of JSON Schema type KIND (a name in _JSON_TYPES); bool is no number."""
    return isinstance(value, _JSON_TYPES[kind]) and (
        kind == "boolean" or not isinstance(value, bool)
    )


def _check_type(ref, name, value, kind):
    """The common case (a bare `type`) without jsonschema: it runs for every action started."""
    if not is_json_type(value, kind):
        raise ParameterError("parameter %r of %s: %r is not of type %r" % (name, ref, value, kind))


def _validate_schema(ref, name, value, spec):
    import jsonschema  # loaded only for richer schemas: it costs a tenth of a second to import

    try:
        jsonschema.validate(value, spec, cls=jsonschema.Draft4Validator)
    except jsonschema.ValidationError as e:
        raise ParameterError("parameter %r of %s: %s" % (name, ref, e.message)) from e
    except jsonschema.SchemaError as e:
        raise ParameterError(
            "parameter %r of %s has an invalid schema: %s" % (name, ref, e.message)
        ) from e


def render_values(values, context, kv_lookup, pack_config):
    """Jinja in each value (within lists and dicts too) rendered once, reading the values as
    they are given and the datastore; what a rendered value holds is not rendered again. For
    pack configs, whose values StackStorm renders one by one."""
    env = dict(
        values,
        st2kv=datastore_scopes(kv_lookup),
        action_context=context or {},
        config_context=pack_config or {},
    )
    return dict((name, _render_nested(value, env, name)) for name, value in values.items())


def _render_nested(value, env, name):
    if _is_template(value):
        try:
            return render(value, env)
        except Exception as e:  # a template error of the user's: report it in one line
            raise ParameterError("parameter %r: could not render %r: %s" % (name, value, e)) from e
    if isinstance(value, list):
        return [_render_nested(v, env, name) for v in value]
    if isinstance(value, dict):
        return dict((k, _render_nested(v, env, name)) for k, v in value.items())
    return value
