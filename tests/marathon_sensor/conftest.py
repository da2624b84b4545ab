"""The Marathon event sensor, its rules and their actions against the Marathon double: the
repository root (tests.doubles), the pack's lib/ and sensors/ are importable; st2reactor and
st2common come from st2lite's compat modules when no real StackStorm is installed."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PACK = os.path.join(REPO, "packs", "qaeci")
for path in (REPO, os.path.join(PACK, "lib"), os.path.join(PACK, "sensors")):
    if path not in sys.path:
        sys.path.insert(0, path)
COMPAT = os.path.join(REPO, "st2lite", "compat")
if COMPAT not in sys.path:
    sys.path.append(COMPAT)

from tests.doubles.marathon import MarathonDouble  # noqa: E402
from tests.marathon_sensor.stream_helpers import CREDENTIALS  # noqa: E402


@pytest.fixture
def marathon():
    with MarathonDouble(
        credentials=CREDENTIALS, start_delay=0.01, heartbeat_interval=0.2
    ) as double:
        yield double
