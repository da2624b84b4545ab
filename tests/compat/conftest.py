"""The fixture pack's own tests run only when asked for by path (as the tests here do, in a
subprocess); the project's suite does not collect them in its own process."""

import os

FIXTURE_PACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixture_packs")


def _inside(path, directory):
    return os.path.commonpath([os.path.abspath(path), directory]) == directory


def pytest_ignore_collect(collection_path, config):
    if not _inside(str(collection_path), FIXTURE_PACKS):
        return None
    asked_for = any(_inside(arg.split("::")[0], FIXTURE_PACKS) for arg in config.args)
    return None if asked_for else True
