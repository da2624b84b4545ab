"""Real processes on loopback: each test module shares one work_dir (one supervisord, one nginx)
and tears it down at the end, checking that nothing of it is left in the process table."""

import os
import shutil
import sys
import tempfile

import pytest

LIB = os.path.join(os.path.dirname(__file__), "..", "..", "packs", "qaeci", "lib")
sys.path.insert(0, os.path.abspath(LIB))
sys.path.insert(0, os.path.dirname(__file__))

from local_backend_helpers import DirectoryStore, free_port, processes_using  # noqa: E402


def _require(*tools):
    missing = [
        tool for tool in tools if not (shutil.which(tool) or os.path.exists("/usr/sbin/" + tool))
    ]
    if missing:
        pytest.fail("missing %s: run scripts/install-system-deps.sh" % ", ".join(missing))


@pytest.fixture(scope="module")
def work_dir():
    # Short path: supervisord's unix socket path must stay under ~100 characters.
    path = tempfile.mkdtemp(prefix="qlb-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def store(work_dir):
    return DirectoryStore(os.path.join(work_dir, "store"))


@pytest.fixture(scope="module")
def backend(work_dir, store):
    _require("nginx")
    from qaeci.backends.local import LocalBackend

    backend = LocalBackend(work_dir, router_port=free_port(), artifact_store=store)
    yield backend
    backend.shutdown()
    assert processes_using(work_dir) == []


@pytest.fixture(scope="session")
def require_tools():
    return _require
