"""Shared test helpers: the conformance corpus aliases and alias dicts as the loader makes them."""

import glob
import os

import yaml

CONFORMANCE = os.environ.get("ST2LITE_CONFORMANCE", "/work/shared/conformance")
EXPECTED_ALIASES = os.path.join(CONFORMANCE, "expected-aliases.json")


def load_conformance_aliases():
    aliases = []
    for path in sorted(glob.glob(os.path.join(CONFORMANCE, "packs/oq/aliases/*.yaml"))):
        with open(path) as handle:
            alias = yaml.safe_load(handle)
        alias["ref"] = "%s.%s" % (alias["pack"], alias["name"])
        aliases.append(alias)
    return aliases


def make_alias(name, formats, pack="demo", **fields):
    """An alias dict as the pack loader hands it over: YAML fields plus ref and pack."""
    alias = {
        "name": name,
        "pack": pack,
        "action_ref": "%s.act" % pack,
        "formats": formats,
        "ref": "%s.%s" % (pack, name),
    }
    alias.update(fields)
    return alias
