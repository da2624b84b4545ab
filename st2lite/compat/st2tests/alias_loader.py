"""Finds one action alias of a pack by name, read from the pack's aliases/ folder as StackStorm's
alias registrar reads it: the pack's ref from pack.yaml (ref, else name), else the folder name."""

import glob
import json
import os

import yaml
from st2tests.errors import PackTestSetupError

from st2lite.aliases import AliasValidationError, validate_alias

__all__ = ["load_alias", "format_strings"]

ALIAS_FILE_PATTERNS = ("*.yaml", "*.yml", "*.json")


def load_alias(pack_path, name):
    """The alias dict (YAML fields plus "pack" and "ref") whose name is `name`."""
    pack_ref = _pack_ref(pack_path)
    aliases_dir = os.path.join(pack_path, "aliases")
    for path in _alias_files(aliases_dir):
        alias = _read_mapping(path)
        if alias.get("name") == name:
            # The registrar fills in the pack and the ref from where the file is.
            alias = dict(alias, pack=pack_ref, ref="%s.%s" % (pack_ref, name), metadata_file=path)
            _validate(alias, path)
            return alias
    raise PackTestSetupError(
        'Alias with name "%s" not found in %s: check action_alias_name '
        "against the name: field of the alias files" % (name, aliases_dir)
    )


def format_strings(alias):
    """The strings a command is matched against, in order: each plain format, and each
    representation of a display/representation format (StackStorm's get_format_strings)."""
    strings = []
    for alias_format in alias.get("formats") or []:
        if isinstance(alias_format, dict):
            representation = alias_format.get("representation") or []
            strings.extend([representation] if isinstance(representation, str) else representation)
        else:
            strings.append(alias_format)
    return strings


def _pack_ref(pack_path):
    manifest = os.path.join(pack_path, "pack.yaml")
    if os.path.isfile(manifest):
        meta = _read_mapping(manifest)
        if meta.get("ref") or meta.get("name"):
            return meta.get("ref") or meta.get("name")
    return os.path.basename(os.path.normpath(pack_path))


def _alias_files(aliases_dir):
    return sorted(
        path
        for pattern in ALIAS_FILE_PATTERNS
        for path in glob.glob(os.path.join(aliases_dir, pattern))
    )


def _read_mapping(path):
    try:
        with open(path) as f:
            data = json.load(f) if path.endswith(".json") else yaml.safe_load(f)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise PackTestSetupError(
            "cannot read %s: %s" % (path, " ".join(str(error).split()))
        ) from error
    if not isinstance(data, dict):
        raise PackTestSetupError("%s must hold a mapping of field: value" % path)
    return data


def _validate(alias, path):
    try:
        validate_alias(alias, path)
    except AliasValidationError as error:
        raise PackTestSetupError(str(error)) from error
