"""The env lifecycle through st2lite on the Marathon back end: one Marathon double (the `dev`
cluster, its tasks real HTTP responders on loopback agents), the Mesos master and agents those
tasks run on (their sandboxes hold what the tasks print), and one site per test module, the
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
from tests.doubles.mesos import MesosMasterDouble  # noqa: E402
from tests.doubles.mesos_agents import MesosAgents  # noqa: E402

START_DELAY = 0.1


@pytest.fixture(scope="module")
def agents():
    with MesosAgents() as started:
        yield started


@pytest.fixture(scope="module")
def mesos(agents):
    with MesosMasterDouble(agents=agents) as master:
        yield master


@pytest.fixture(scope="module")
def marathon(agents):
    with MarathonDouble(credentials=CREDENTIALS, start_delay=START_DELAY, mesos=agents) as double:
        yield double


@pytest.fixture(scope="module")
def site(marathon, mesos, tmp_path_factory):
    site = MarathonSite(str(tmp_path_factory.mktemp("marathon-site")), marathon.url, mesos.url)
    yield site
    site.run("qaeci.env_down", "env=" + ENV)
