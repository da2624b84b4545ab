"""Load packs from disk: pack.yaml, actions, sensors and trigger types, rules, aliases, policies.

An invalid file is reported (file, field, reason) and skipped; the rest of the pack still loads,
as StackStorm's content registrar does.
"""
import glob
import os

import yaml

from st2lite.packs import metadata
from st2lite.packs.builtin import core_actions, core_trigger_types
from st2lite.packs.errors import ContentProblem

PACK_REF_PATTERN = "^[a-z0-9_]+$"


class Pack(object):
    def __init__(self, ref, path, meta):
        self.ref = ref
        self.path = path
        self.meta = meta

    @property
    def lib_paths(self):
        lib = os.path.join(self.path, "lib")
        return [lib] if os.path.isdir(lib) else []


class PackContent(object):
    """Everything loaded from the pack search path, keyed by ref."""

    def __init__(self):
        self.packs = {}
        self.actions = dict((a["ref"], a) for a in core_actions())
        self.sensors = []
        self.trigger_types = dict((t["ref"], t) for t in core_trigger_types())
        self.rules = []
        self.aliases = []
        self.policies = []
        self.problems = []

    def problem(self, path, field, reason):
        self.problems.append(ContentProblem(path, field, reason))


def load_packs(search_paths):
    content = PackContent()
    for pack_dir in _pack_dirs(search_paths):
        _load_pack(content, pack_dir)
    return content


def _pack_dirs(search_paths):
    """Each directory with a pack.yaml, either a search path itself or one of its children."""
    seen, found = set(), []
    for base in search_paths:
        if not os.path.isdir(base):
            continue
        candidates = [base] if os.path.isfile(os.path.join(base, "pack.yaml")) else [
            os.path.join(base, name) for name in sorted(os.listdir(base))]
        for path in candidates:
            real = os.path.realpath(path)
            if os.path.isfile(os.path.join(path, "pack.yaml")) and real not in seen:
                seen.add(real)
                found.append(path)
    return found


def read_yaml(content, path):
    try:
        with open(path) as f:
            data = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        content.problem(path, None, "not valid YAML: %s" % " ".join(str(e).split()))
        return None
    if not isinstance(data, dict):
        content.problem(path, None, "must be a YAML mapping")
        return None
    return data


def _load_pack(content, pack_dir):
    meta = read_yaml(content, os.path.join(pack_dir, "pack.yaml"))
    if meta is None:
        return
    ref = meta.get("ref") or meta.get("name")
    if not ref:
        content.problem(os.path.join(pack_dir, "pack.yaml"), "ref", "the pack needs a ref or name")
        return
    if ref in content.packs:
        content.problem(os.path.join(pack_dir, "pack.yaml"), "ref",
                        "pack %r is already loaded from %s" % (ref, content.packs[ref].path))
        return
    pack = Pack(ref, pack_dir, meta)
    content.packs[ref] = pack
    _load_actions(content, pack)
    _load_triggers(content, pack)
    _load_sensors(content, pack)
    _load_rules(content, pack)
    _load_aliases(content, pack)
    _load_policies(content, pack)


def _metadata_files(pack, folder):
    base = os.path.join(pack.path, folder)
    return sorted(glob.glob(os.path.join(base, "*.yaml")) + glob.glob(os.path.join(base, "*.yml")))


def _check_pack_field(content, pack, path, meta):
    if meta.get("pack") not in (None, pack.ref):
        content.problem(path, "pack", "says %r but the file is in pack %r" % (meta["pack"], pack.ref))
        return False
    return True


def _load_actions(content, pack):
    base = os.path.join(pack.path, "actions")
    for path in _metadata_files(pack, "actions"):
        meta = read_yaml(content, path)
        if meta is None or not _check_pack_field(content, pack, path, meta):
            continue
        problems = metadata.action_problems(meta)
        entry_point = None
        if not problems and meta.get("entry_point"):
            try:
                entry_point = metadata.resolve_entry_point(base, pack.path, meta["entry_point"])
            except ValueError as e:
                problems.append(("entry_point", str(e)))
        if problems:
            for field, reason in problems:
                content.problem(path, field, reason)
            continue
        action = dict(meta, pack=pack.ref, ref="%s.%s" % (pack.ref, meta["name"]),
                      entry_point_path=entry_point, pack_path=pack.path,
                      metadata_file=path, enabled=meta.get("enabled", True),
                      parameters=meta.get("parameters") or {})
        content.actions[action["ref"]] = action


def _load_triggers(content, pack):
    for path in _metadata_files(pack, "triggers"):
        meta = read_yaml(content, path)
        if meta is None or not _check_pack_field(content, pack, path, meta):
            continue
        problems = metadata.trigger_problems(meta)
        for field, reason in problems:
            content.problem(path, field, reason)
        if not problems:
            _add_trigger_type(content, pack, meta)


def _add_trigger_type(content, pack, meta):
    ref = "%s.%s" % (pack.ref, meta["name"])
    content.trigger_types[ref] = dict(meta, pack=pack.ref, ref=ref)


def _load_sensors(content, pack):
    base = os.path.join(pack.path, "sensors")
    for path in _metadata_files(pack, "sensors"):
        meta = read_yaml(content, path)
        if meta is None or not _check_pack_field(content, pack, path, meta):
            continue
        problems = metadata.sensor_problems(meta)
        entry_point = None
        if not problems:
            try:
                entry_point = metadata.resolve_entry_point(base, pack.path, meta["entry_point"])
            except ValueError as e:
                problems.append(("entry_point", str(e)))
        if problems:
            for field, reason in problems:
                content.problem(path, field, reason)
            continue
        for trigger in meta.get("trigger_types") or []:
            _add_trigger_type(content, pack, trigger)
        content.sensors.append({
            "ref": "%s.%s" % (pack.ref, meta["class_name"]), "pack": pack.ref,
            "class_name": meta["class_name"], "entry_point": os.path.abspath(entry_point),
            "poll_interval": meta.get("poll_interval"), "enabled": meta.get("enabled", True),
            "trigger_types": ["%s.%s" % (pack.ref, t["name"]) for t in meta.get("trigger_types") or []],
            "lib_paths": pack.lib_paths, "metadata_file": path})


def _load_rules(content, pack):
    from st2lite.rules import RuleValidationError, validate_rule
    for path in _metadata_files(pack, "rules"):
        meta = read_yaml(content, path)
        if meta is None or not _check_pack_field(content, pack, path, meta):
            continue
        try:
            validate_rule(meta, path)
        except RuleValidationError as e:
            content.problem(path, None, str(e))
            continue
        content.rules.append(dict(meta, pack=pack.ref, ref="%s.%s" % (pack.ref, meta["name"]),
                                  metadata_file=path))


def _load_aliases(content, pack):
    from st2lite.aliases import AliasValidationError, validate_alias
    for path in _metadata_files(pack, "aliases"):
        meta = read_yaml(content, path)
        if meta is None or not _check_pack_field(content, pack, path, meta):
            continue
        try:
            validate_alias(meta, path)
        except AliasValidationError as e:
            content.problem(path, None, str(e))
            continue
        content.aliases.append(dict(meta, pack=pack.ref, ref="%s.%s" % (pack.ref, meta["name"]),
                                    metadata_file=path))


def _load_policies(content, pack):
    for path in _metadata_files(pack, "policies"):
        meta = read_yaml(content, path)
        if meta is None or not _check_pack_field(content, pack, path, meta):
            continue
        problems = metadata.policy_problems(meta)
        for field, reason in problems:
            content.problem(path, field, reason)
        if not problems:
            content.policies.append(dict(meta, pack=pack.ref, ref="%s.%s" % (pack.ref, meta["name"]),
                                         enabled=meta.get("enabled", True), metadata_file=path))
