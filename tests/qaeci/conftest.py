import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(HERE, "..", "..", "packs", "qaeci", "lib")
for path in (os.path.abspath(LIB), HERE):
    if path not in sys.path:
        sys.path.insert(0, path)

from qaeci_fake_backend import FakeBackend  # noqa: E402
from qaeci_testkit import MemoryDatastore  # noqa: E402


@pytest.fixture
def datastore():
    return MemoryDatastore()


@pytest.fixture
def backend(tmp_path):
    fake = FakeBackend(str(tmp_path / "backend"))
    yield fake
    fake.shutdown()
