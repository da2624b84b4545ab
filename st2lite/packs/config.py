"""Pack configs: `configs/<pack>.yaml` under the state dir (as /opt/stackstorm/configs/ on
StackStorm), checked against the pack's config.schema.yaml with its defaults applied."""

import os

import yaml

from st2lite.packs.loader import YAML_LOADER
from st2lite.params import ParameterError, render_values, simply_valid


class PackConfigError(Exception):
    """A one-line, user-facing problem with a pack's config."""


def _read_mapping(path, what):
    """The YAML mapping in path ({} when the file is absent)."""
    if not os.path.isfile(path):
        return {}
    try:
        with open(path) as f:
            data = yaml.load(f, Loader=YAML_LOADER) or {}
    except yaml.YAMLError as e:
        raise PackConfigError("%s is not valid YAML: %s" % (path, " ".join(str(e).split()))) from e
    if not isinstance(data, dict):
        raise PackConfigError("%s must be a YAML mapping of %s" % (path, what))
    return data


def config_schema(pack):
    return _read_mapping(os.path.join(pack.path, "config.schema.yaml"), "option name: schema")


def config_path(pack, config_dir):
    return os.path.join(config_dir, "%s.yaml" % pack.ref)


def stored_pack_config(pack, config_dir):
    """The config file's values with the schema's defaults, `{{ st2kv... }}` left unrendered
    (what StackStorm registers and its API shows); None when the pack has no config file."""
    path = config_path(pack, config_dir)
    if not os.path.isfile(path):
        return None
    return _with_defaults(_read_mapping(path, "option: value"), config_schema(pack))


def _with_defaults(values, schema):
    for name, spec in schema.items():
        if name not in values and isinstance(spec, dict) and "default" in spec:
            values[name] = spec["default"]
    return values


def load_pack_config(pack, config_dir, kv_lookup):
    path = config_path(pack, config_dir)
    schema = config_schema(pack)
    values = _with_defaults(_read_mapping(path, "option: value"), schema)
    try:
        values = render_values(values, {}, kv_lookup, {})
    except ParameterError as e:
        raise PackConfigError("%s: %s" % (path, e)) from e
    _validate(pack, path, schema, values)
    return values


def _validate(pack, path, schema, values):
    missing = [
        n
        for n, s in sorted(schema.items())
        if isinstance(s, dict) and s.get("required") and values.get(n) is None
    ]
    if missing:
        raise PackConfigError(
            "pack %s needs %s in its config: add them to %s" % (pack.ref, ", ".join(missing), path)
        )
    for name, spec in schema.items():
        if not isinstance(spec, dict) or values.get(name) is None:
            continue
        rules = dict(
            (k, v)
            for k, v in spec.items()
            if k not in ("required", "secret", "default", "immutable")
        )
        if simply_valid(values[name], rules):
            continue
        import jsonschema  # only for richer schemas or a value to explain: slow to import

        try:
            jsonschema.validate(values[name], rules, cls=jsonschema.Draft4Validator)
        except jsonschema.ValidationError as e:
            raise PackConfigError("%s: option %r: %s" % (path, name, e.message)) from e
