"""Scaling tests: the pack's library, a Mesos master, a Marathon queue and an OpenStack double on
loopback, a registry with a device pool inventory, and spare machines that become agents when the
provision command runs on them."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
LIB = os.path.abspath(os.path.join(TESTS, os.pardir, "packs", "qaeci", "lib"))
if LIB not in sys.path:
    sys.path.insert(0, LIB)
for path in (TESTS, os.path.join(TESTS, "sensors"), HERE):
    if path not in sys.path:
        sys.path.append(path)

from memory_datastore import MemoryDatastore  # noqa: E402
from scaling_site import ScalingSite  # noqa: E402


@pytest.fixture
def datastore():
    return MemoryDatastore()


@pytest.fixture
def site(tmp_path, datastore):
    with ScalingSite(str(tmp_path), datastore) as running:
        yield running
