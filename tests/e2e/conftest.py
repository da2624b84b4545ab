"""The demo brought up once per test module, for real: scripts/demo.py into a fresh st2lite state
dir with a free router port; afterwards every environment taken down and the state dir's
supervisord and nginx stopped, whatever the tests did."""

import os
import shutil
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from e2e_site import CREATOR, FIRST_ENV, MANAGER, REPO, Site, free_port  # noqa: E402

SYSTEM_TOOLS = (
    "nginx",
    "mariadbd",
    "mariadb",
    "redis-server",
    "redis-cli",
    "git",
    "node",
    "supervisord",
)


def _missing_tools():
    search = os.environ.get("PATH", "") + ":/usr/sbin:/sbin:" + os.path.dirname(sys.executable)
    return [tool for tool in SYSTEM_TOOLS if not shutil.which(tool, path=search)]


def _take_everything_down(site):
    code, listing = site.run("qaeci.env_list", user=MANAGER)
    environments = (listing.get("result") or {}).get("result", {}).get("environments", [])
    for entry in environments:
        name = entry.get("env") if isinstance(entry, dict) else entry
        site.run("qaeci.env_down", "env=%s" % name, user=MANAGER)
    _stop_back_end(site)


def _stop_back_end(site):
    """Stop the state dir's supervisord (and the nginx and programs it runs), if still up."""
    lib = os.path.join(REPO, "packs", "qaeci", "lib")
    if lib not in sys.path:
        sys.path.append(lib)
    from qaeci.backends.local import LocalBackend

    backend = LocalBackend(site.work_dir, "localhost", site.router_port)
    for env in backend.environments():
        backend.destroy(env)
    backend.shutdown()


@pytest.fixture(scope="module")
def site():
    missing = _missing_tools()
    if missing:
        pytest.fail("missing %s: run scripts/install-system-deps.sh" % ", ".join(missing))
    # Short path: supervisord's unix socket under it must stay under ~100 characters.
    state = tempfile.mkdtemp(prefix="qe2e-", dir="/tmp")
    demo = Site(state, free_port(), CREATOR)
    try:
        done = demo.demo_up(FIRST_ENV)
        if done.returncode != 0:
            pytest.fail(
                "scripts/demo.py up failed (exit %d):\n%s\n%s"
                % (done.returncode, done.stdout[-3000:], done.stderr[-3000:])
            )
        yield demo
    finally:
        try:
            _take_everything_down(demo)
        finally:
            _stop_back_end(demo)
            shutil.rmtree(state, ignore_errors=True)
