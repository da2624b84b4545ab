"""The env lifecycle through st2lite on the Marathon back end: one Marathon double (the `dev`
cluster, its tasks real HTTP responders on loopback agents) and one site per test module, the
environment taken down at the end whatever the tests did.

tests.doubles needs the repository root on sys.path, the pack's lib/ gives qaeci, and
tests/qaeci (appended, so it shadows nothing) gives the app-tree helpers."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
for path in (REPO, os.path.join(REPO, "packs", "qaeci", "lib"), HERE):
    if path not in sys.path:
        sys.path.insert(0, path)
if os.path.join(REPO, "tests", "qaeci") not in sys.path:
    sys.path.append(os.path.join(REPO, "tests", "qaeci"))

from marathon_site import CREDENTIALS, ENV, MarathonSite  # noqa: E402
from tests.doubles.marathon import MarathonDouble  # noqa: E402

START_DELAY = 0.1


@pytest.fixture(scope="module")
def marathon():
    with MarathonDouble(credentials=CREDENTIALS, start_delay=START_DELAY) as double:
        yield double


@pytest.fixture(scope="module")
def site(marathon, tmp_path_factory):
    site = MarathonSite(str(tmp_path_factory.mktemp("marathon-site")), marathon.url)
    yield site
    site.run("qaeci.env_down", "env=" + ENV)
