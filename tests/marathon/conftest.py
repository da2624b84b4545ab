"""The Marathon back end against the Marathon double: the repository root (tests.doubles) and the
pack's lib/ (qaeci) are importable; fixtures give a double, a file:// artifact store with one
built artifact, a release directory as the deploy step leaves it, and the back end."""

import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for path in (REPO, os.path.join(REPO, "packs", "qaeci", "lib")):
    if path not in sys.path:
        sys.path.insert(0, path)

from qaeci.artifacts.file_store import FileStore  # noqa: E402
from qaeci.backends.base import AppSpec  # noqa: E402

from tests.doubles.marathon import MarathonDouble  # noqa: E402
from tests.doubles.mesos import MesosMasterDouble  # noqa: E402
from tests.doubles.mesos_agents import MesosAgents  # noqa: E402
from tests.marathon.marathon_helpers import ARTIFACT_KEY, CREDENTIALS, make_backend  # noqa: E402


@pytest.fixture
def marathon():
    with MarathonDouble(credentials=CREDENTIALS, start_delay=0.02) as double:
        yield double


@pytest.fixture
def agents():
    """Mesos agents whose sandboxes the tasks of marathon_on_mesos write into."""
    with MesosAgents() as started:
        yield started


@pytest.fixture
def mesos(agents):
    """The Mesos master of those agents."""
    with MesosMasterDouble(agents=agents) as master:
        yield master


@pytest.fixture
def marathon_on_mesos(agents):
    with MarathonDouble(credentials=CREDENTIALS, start_delay=0.02, mesos=agents) as double:
        yield double


@pytest.fixture
def store(tmp_path):
    store = FileStore(str(tmp_path / "store"))
    artifact = tmp_path / "artifact.tar.gz"
    artifact.write_bytes(b"not unpacked by the double")
    store.put(ARTIFACT_KEY, str(artifact))
    return store


@pytest.fixture
def backend(marathon, store, tmp_path):
    return make_backend(marathon, store, tmp_path / "work")


@pytest.fixture
def release(tmp_path):
    """A release as deploy.prepare_release leaves it: the artifact unpacked, config rendered."""
    root = tmp_path / "release"
    (root / "conf").mkdir(parents=True)
    (root / "server.py").write_text("print('serving')\n")
    (root / "conf" / "app.properties").write_text("db.url=mysql://db.e1.qa.example.com/app\n")
    return root


@pytest.fixture
def spec_for(release):
    def make(app="web", env="e1", **extra):
        extra.setdefault("artifact_key", ARTIFACT_KEY)
        extra.setdefault("commit", "7f3c2a1")
        extra.setdefault("config_files", ["conf/app.properties"])
        extra.setdefault("runtime", "python")
        environment = {
            "PORT0": "80",
            "HOST": "web.e1.qa.example.com",
            "QAECI_ENV": env,
            "QAECI_APP": app,
        }
        return AppSpec(
            env,
            app,
            str(release),
            ["bash", "-c", "exec python3 server.py"],
            80,
            environment=environment,
            cpus=0.5,
            mem=256,
            **extra,
        )

    return make
