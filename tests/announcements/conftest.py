"""`cli`: the real st2lite command line on this folder's `chat` pack and a fresh state
directory. The repository root (tests.doubles) and the qaeci pack's lib/ are importable."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
for path in (HERE, REPO, os.path.join(REPO, "packs", "qaeci", "lib")):
    if path not in sys.path:
        sys.path.insert(0, path)

from announcement_cli import Cli  # noqa: E402


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path / "state")
