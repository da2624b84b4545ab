"""Where st2lite keeps what it can compute again: $ST2LITE_CACHE_DIR, else the user's cache
directory. Everything there is a pure function of its name; losing it only costs time."""

import os

CACHE_ENV = "ST2LITE_CACHE_DIR"


def cache_dir():
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "st2lite")
