"""BasePackResourceTestCase: what every pack test case shares - where its pack is, and its
fixtures under `<pack>/tests/fixtures/`."""

import inspect
import os
import unittest

__all__ = ["BasePackResourceTestCase"]

FIXTURES_DIR = os.path.join("tests", "fixtures")


class BasePackResourceTestCase(unittest.TestCase):
    def get_fixture_content(self, fixture_path):
        """The text of `<pack>/tests/fixtures/<fixture_path>` (OSError naming the path if absent,
        as on StackStorm)."""
        path = os.path.join(self._get_base_pack_path(), FIXTURES_DIR, fixture_path)
        with open(path, "r") as fixture:
            return fixture.read()

    def _get_base_pack_path(self):
        """The pack directory: the parent of the folder that holds the test file."""
        test_file = inspect.getfile(self.__class__)
        return os.path.abspath(os.path.join(os.path.dirname(test_file), ".."))
