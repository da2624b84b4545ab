"""Load packs from disk: pack.yaml, actions, sensors and trigger types, rules, aliases, policies.

An invalid file is reported (file, field, reason) and skipped; the rest of the pack still loads,
as StackStorm's content registrar does.
"""

import glob
import os

import yaml

from st2lite.packs import metadata
from st2lite.packs.builtin import core_actions, core_trigger_types
from st2lite.packs.builtin_chatops import PACK as CHATOPS_PACK
from st2lite.packs.builtin_chatops import chatops_actions, chatops_rules
from st2lite.packs.discovery import pack_dirs
from st2lite.packs.errors import ContentProblem

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it

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
    for pack_dir in pack_dirs(search_paths):
        _load_pack(content, pack_dir)
    _add_builtin_chatops(content)
    return content


def _add_builtin_chatops(content):
    """StackStorm's chatops pack, unless a pack of that name on the path replaces it."""
    if CHATOPS_PACK in content.packs:
        return
    content.actions.update((a["ref"], a) for a in chatops_actions())
    content.rules.extend(chatops_rules())


def read_yaml(content, path):
    try:
        with open(path) as f:
            data = yaml.load(f, Loader=YAML_LOADER)
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
        content.problem(
            os.path.join(pack_dir, "pack.yaml"),
            "ref",
            "pack %r is already loaded from %s" % (ref, content.packs[ref].path),
        )
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


def _documents(content, pack, folder):
    """(path, metadata) of each readable file in the folder that belongs to this pack."""
    for path in _metadata_files(pack, folder):
        meta = read_yaml(content, path)
        if meta is None:
            continue
        if meta.get("pack") not in (None, pack.ref):
            content.problem(
                path, "pack", "says %r but the file is in pack %r" % (meta["pack"], pack.ref)
            )
            continue
        yield path, meta


def _accepted(content, path, problems):
    """Record the problems; True when there are none."""
    for field, reason in problems:
        content.problem(path, field, reason)
    return not problems


def _entry_point(pack, folder, meta, problems):
    """The entry point's path when the metadata is otherwise valid and it stays in the pack."""
    if problems or not meta.get("entry_point"):
        return None
    try:
        return metadata.resolve_entry_point(
            os.path.join(pack.path, folder), pack.path, meta["entry_point"]
        )
    except ValueError as e:
        problems.append(("entry_point", str(e)))
        return None


def _validated_by(validate, error_class, meta, path):
    try:
        validate(meta, path)
    except error_class as e:
        return [(None, str(e))]
    return []


def _with_ref(pack, meta, path, **extra):
    return dict(
        meta, pack=pack.ref, ref="%s.%s" % (pack.ref, meta["name"]), metadata_file=path, **extra
    )


def _load_actions(content, pack):
    for path, meta in _documents(content, pack, "actions"):
        problems = metadata.action_problems(meta)
        entry_point = _entry_point(pack, "actions", meta, problems)
        if _accepted(content, path, problems):
            action = _with_ref(
                pack,
                meta,
                path,
                entry_point_path=entry_point,
                pack_path=pack.path,
                enabled=meta.get("enabled", True),
                parameters=meta.get("parameters") or {},
            )
            content.actions[action["ref"]] = action


def _load_triggers(content, pack):
    for path, meta in _documents(content, pack, "triggers"):
        if _accepted(content, path, metadata.trigger_problems(meta)):
            _add_trigger_type(content, pack, meta)


def _add_trigger_type(content, pack, meta):
    ref = "%s.%s" % (pack.ref, meta["name"])
    content.trigger_types[ref] = dict(meta, pack=pack.ref, ref=ref)


def _load_sensors(content, pack):
    for path, meta in _documents(content, pack, "sensors"):
        problems = metadata.sensor_problems(meta)
        entry_point = _entry_point(pack, "sensors", meta, problems)
        if not _accepted(content, path, problems):
            continue
        triggers = meta.get("trigger_types") or []
        for trigger in triggers:
            _add_trigger_type(content, pack, trigger)
        content.sensors.append(
            {
                "ref": "%s.%s" % (pack.ref, meta["class_name"]),
                "pack": pack.ref,
                "class_name": meta["class_name"],
                "description": meta.get("description") or "",
                "entry_point": os.path.abspath(entry_point),
                "poll_interval": meta.get("poll_interval"),
                "enabled": meta.get("enabled", True),
                "trigger_types": ["%s.%s" % (pack.ref, t["name"]) for t in triggers],
                "lib_paths": pack.lib_paths,
                "metadata_file": path,
            }
        )


def _load_rules(content, pack):
    from st2lite.rules import RuleValidationError, validate_rule

    for path, meta in _documents(content, pack, "rules"):
        if _accepted(content, path, _validated_by(validate_rule, RuleValidationError, meta, path)):
            content.rules.append(_with_ref(pack, meta, path))


def _load_aliases(content, pack):
    from st2lite.aliases import AliasValidationError, validate_alias

    for path, meta in _documents(content, pack, "aliases"):
        if _accepted(
            content, path, _validated_by(validate_alias, AliasValidationError, meta, path)
        ):
            content.aliases.append(_with_ref(pack, meta, path))


def _load_policies(content, pack):
    for path, meta in _documents(content, pack, "policies"):
        if _accepted(content, path, metadata.policy_problems(meta)):
            content.policies.append(_with_ref(pack, meta, path, enabled=meta.get("enabled", True)))
