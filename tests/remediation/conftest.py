"""Remediation tests: the pack's library, the API doubles and the sensors' in-memory datastore on
the path."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
LIB = os.path.abspath(os.path.join(TESTS, os.pardir, "packs", "qaeci", "lib"))
if LIB not in sys.path:
    sys.path.insert(0, LIB)
for path in (TESTS, os.path.join(TESTS, "sensors"), HERE):  # last, to shadow nothing
    if path not in sys.path:
        sys.path.append(path)

from memory_datastore import MemoryDatastore  # noqa: E402


@pytest.fixture
def datastore():
    return MemoryDatastore()
