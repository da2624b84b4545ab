"""Makes this folder's helpers importable from any directory; `cli` runs the real st2lite
command line against the inquiry fixture pack and a fresh state directory."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from inquiry_cli import InquiryCli  # noqa: E402


@pytest.fixture
def cli(tmp_path):
    return InquiryCli(tmp_path / "state")
