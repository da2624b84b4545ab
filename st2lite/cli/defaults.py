"""Where the command line looks when not told: standard library only (see entry.py)."""

import os


def default_packs():
    paths = [os.path.abspath("packs")]
    paths += [p for p in os.environ.get("ST2LITE_PACKS_PATH", "").split(":") if p]
    return paths


def default_state():
    return os.environ.get("ST2LITE_STATE") or os.path.expanduser("~/.local/state/st2lite")
