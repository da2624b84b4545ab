"""Action parameters as StackStorm treats them: runner + action schemas merged, text cast by type,
defaults and Jinja rendered, immutables and required checked, values validated, secrets masked."""
import ast
import copy
import json

from jinja2.sandbox import SandboxedEnvironment

from st2lite.packs.builtin import RUNNER_PARAMETERS

MASK = "********"
# Attributes of a StackStorm parameter that are not JSON Schema keywords.
ST2_ONLY_KEYS = ("required", "immutable", "secret", "position", "default")
_JINJA = SandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)


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
    return dict((k, MASK if (schema.get(k) or {}).get("secret") and v is not None else v)
                for k, v in params.items())


# --- casting -------------------------------------------------------------------------------

def cast_given(schema, params):
    """Cast values given to a workflow task or rule as StackStorm's cast_params does (strings to
    the declared JSON type); untyped parameters take any value uncast."""
    result = {}
    for name, value in params.items():
        kind = (schema.get(name) or {}).get("type")
        try:
            result[name] = _CASTS[kind](value) if kind in _CASTS else value
        except (ValueError, SyntaxError, TypeError):
            raise ParameterError("parameter %r: %r is not a valid %s" % (name, value, kind))
    return result


def _cast_structure(value):
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return ast.literal_eval(value)
    return value


def _cast_boolean(value):
    if isinstance(value, str):
        return ast.literal_eval(value.capitalize())
    return value


def _cast_string(value):
    if value is not None and not isinstance(value, str):
        raise ValueError(value)
    return value


_CASTS = {"array": _cast_structure, "object": _cast_structure, "boolean": _cast_boolean,
          "integer": lambda v: int(v) if v is not None else v,
          "number": lambda v: float(v) if v is not None else v, "string": _cast_string}

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
    except ValueError:
        raise ParameterError("parameter %r: %r is not a valid %s (for an %s, %s)"
                             % (name, text, kind, kind, _HOW_TO_WRITE.get(kind, "")))
    return text


_HOW_TO_WRITE = {"array": "write a,b,c or JSON like [1, 2]", "object": 'write JSON like {"k": "v"}',
                 "integer": "write digits like 42", "number": "write a number like 2.5",
                 "boolean": "write true or false"}


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
        raise ParameterError("%s has no parameter %s; it takes: %s" % (
            action["ref"], ", ".join(repr(u) for u in unknown), ", ".join(sorted(schema)) or "none"))
    for name in given:
        spec = schema[name]
        if spec.get("immutable") and "default" in spec and given[name] != spec["default"]:
            raise ParameterError("parameter %r of %s is immutable: leave it out" % (name, action["ref"]))
    _check_required(action["ref"], schema, dict(
        (n, s.get("default")) for n, s in schema.items() if "default" in s), given)
    validate_values(action["ref"], schema, dict(
        (k, v) for k, v in given.items() if not _is_template(v)))
    return schema


def finalize(action, given, context, kv_lookup, pack_config):
    """The parameters the action runs with: defaults added, Jinja rendered, then validated."""
    schema = check_given(action, given)
    values = dict((n, copy.deepcopy(s["default"])) for n, s in schema.items() if "default" in s)
    values.update(given)
    rendered = render_values(values, context, kv_lookup, pack_config)
    templated = dict((k, v) for k, v in rendered.items() if v != values[k])
    values = dict(rendered, **cast_given(schema, templated))
    _check_required(action["ref"], schema, values, {})
    validate_values(action["ref"], schema, values)
    return values


def _check_required(ref, schema, defaults, given):
    values = dict(defaults, **given)
    missing = [n for n, s in sorted(schema.items()) if s.get("required") and values.get(n) is None]
    if missing:
        raise ParameterError("%s needs %s: give %s" % (
            ref, ", ".join(repr(m) for m in missing), " ".join("%s=..." % m for m in missing)))


def _is_template(value):
    return isinstance(value, str) and ("{{" in value or "{%" in value)


# JSON Schema (draft 4) types as Python types; bool is not a number there.
_JSON_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
               "array": (list, tuple), "object": (dict,), "null": (type(None),)}
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
    if kind is not None and not (isinstance(kind, str) and kind in _JSON_TYPES
                                 and is_json_type(value, kind)):
        return False  # no type at all (an untyped parameter) takes any value
    return "enum" not in spec or any(
        option == value and type(option) is type(value) for option in spec["enum"])


def is_json_type(value, kind):
    """Whether value is of JSON Schema type KIND (a name in _JSON_TYPES); bool is no number."""
    return isinstance(value, _JSON_TYPES[kind]) and (kind == "boolean"
                                                     or not isinstance(value, bool))


def _check_type(ref, name, value, kind):
    """The common case (a bare `type`) without jsonschema: it runs for every action started."""
    if not is_json_type(value, kind):
        raise ParameterError("parameter %r of %s: %r is not of type %r" % (name, ref, value, kind))


def _validate_schema(ref, name, value, spec):
    import jsonschema  # loaded only for richer schemas: it costs a tenth of a second to import
    try:
        jsonschema.validate(value, spec, cls=jsonschema.Draft4Validator)
    except jsonschema.ValidationError as e:
        raise ParameterError("parameter %r of %s: %s" % (name, ref, e.message))
    except jsonschema.SchemaError as e:
        raise ParameterError("parameter %r of %s has an invalid schema: %s" % (name, ref, e.message))


class _KeyTree(object):
    """`st2kv.system.a.b` in Jinja: attribute access builds the key, str() looks it up."""

    def __init__(self, lookup, scope, prefix=""):
        self._lookup, self._scope, self._prefix = lookup, scope, prefix

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _KeyTree(self._lookup, self._scope, self._prefix + ("." if self._prefix else "") + name)

    __getitem__ = __getattr__

    def __str__(self):
        value = self._lookup(self._prefix, self._scope)
        return "" if value is None else str(value)

    def get_value(self):
        return self._lookup(self._prefix, self._scope)

    @property
    def decrypt_kv(self):
        return self._lookup(self._prefix, self._scope, True)


def jinja_context(values, context, kv_lookup, pack_config):
    scope_tree = {"system": _KeyTree(kv_lookup, "system"), "user": _KeyTree(kv_lookup, "user")}
    return dict(values, st2kv=scope_tree, action_context=context or {},
                config_context=pack_config or {})


def render_values(values, context, kv_lookup, pack_config, max_passes=5):
    """Render Jinja in parameter values; a parameter may refer to another, so repeat until stable."""
    current = dict(values)
    for _ in range(max_passes):
        changed = False
        env = jinja_context(current, context, kv_lookup, pack_config)
        for name, value in current.items():
            rendered = _render(value, env, name)
            if rendered != value:
                current[name] = rendered
                changed = True
        if not changed:
            break
    return current


def _render(value, env, name):
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        try:
            text = _JINJA.from_string(value).render(env)
        except Exception as e:  # a template error of the user's: report it in one line
            raise ParameterError("parameter %r: could not render %r: %s" % (name, value, e))
        return text
    if isinstance(value, list):
        return [_render(v, env, name) for v in value]
    if isinstance(value, dict):
        return dict((k, _render(v, env, name)) for k, v in value.items())
    return value

