"""Remediation tests: the pack's library, the API doubles, the sensors' in-memory datastore and the
lifecycle tests' app-tree helpers (qaeci_testkit, qaeci_envtree) on the path."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
LIB = os.path.abspath(os.path.join(TESTS, os.pardir, "packs", "qaeci", "lib"))
if LIB not in sys.path:
    sys.path.insert(0, LIB)
HELPERS = [os.path.join(TESTS, folder) for folder in ("sensors", "qaeci")]
for path in [TESTS] + HELPERS + [HERE]:  # last, to shadow nothing
    if path not in sys.path:
        sys.path.append(path)

from memory_datastore import MemoryDatastore  # noqa: E402


@pytest.fixture
def datastore():
    return MemoryDatastore()
