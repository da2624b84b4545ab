"""Lets `pytest packs/<pack>/tests` run a StackStorm pack's own tests from the repository root,
as `st2-run-pack-tests -p packs/<pack>` runs them on StackStorm.

* `st2tests` (and the `st2common` / `st2reactor` modules pack code imports) come from
  st2lite/compat when no real StackStorm is importable: the directory is appended to sys.path,
  so a real installation always wins.
* Before a pack's test module is imported, the pack's sensors/, actions/ and etc/ folders (what
  st2-run-pack-tests puts on PYTHONPATH) and its lib/ folder (StackStorm's common libs) are
  appended to sys.path, so tests import action and sensor modules by their file names.
"""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.abspath(__file__))
COMPAT_DIR = os.path.join(REPO_ROOT, "st2lite", "compat")
PACK_CODE_FOLDERS = ("sensors", "actions", "etc", "lib")
PACK_TESTS_FOLDER = "tests"
PACK_MANIFEST = "pack.yaml"


def _provide_st2tests():
    try:
        import st2tests  # noqa: F401  (a real StackStorm installation)
    except ImportError:
        if COMPAT_DIR not in sys.path:
            sys.path.append(COMPAT_DIR)


def pack_of_test_file(path):
    """The pack directory when `path` lies under `<pack>/tests/`, else None."""
    directory = os.path.dirname(os.path.abspath(path))
    while True:
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        if os.path.basename(directory) == PACK_TESTS_FOLDER and os.path.isfile(
            os.path.join(parent, PACK_MANIFEST)
        ):
            return parent
        directory = parent


def add_pack_code_paths(pack_dir):
    for folder in PACK_CODE_FOLDERS:
        path = os.path.join(pack_dir, folder)
        if os.path.isdir(path) and path not in sys.path:
            sys.path.append(path)


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".py":
        pack_dir = pack_of_test_file(str(file_path))
        if pack_dir is not None:
            add_pack_code_paths(pack_dir)
    return None


_provide_st2tests()
