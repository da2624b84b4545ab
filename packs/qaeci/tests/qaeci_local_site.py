"""Tests that start apps for real, on the local back end: supervisord runs them and nginx routes
APP.ENV.localhost to them. Skipped where either is missing (a StackStorm node without them)."""

import os
import shutil
import signal
import socket
import sys
import unittest
import urllib.error
import urllib.request

from env_destroy import EnvDestroy
from env_list import EnvList
from qaeci_pack_testkit import QaeciActionTestCase


def _supervisord_available():
    beside_python = os.path.join(os.path.dirname(sys.executable), "supervisord")
    if os.access(beside_python, os.X_OK) or shutil.which("supervisord"):
        return True
    try:
        import supervisor  # noqa: F401
    except ImportError:
        return False
    return True


def _nginx_available():
    return bool(shutil.which("nginx")) or os.access("/usr/sbin/nginx", os.X_OK)


LOCAL_BACKEND_MISSING = (
    None
    if _supervisord_available() and _nginx_available()
    else ("the local back end needs supervisord and nginx on this machine")
)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@unittest.skipIf(LOCAL_BACKEND_MISSING, LOCAL_BACKEND_MISSING)
class LocalSiteTestCase(QaeciActionTestCase):
    """Each test has its own supervisord and nginx (its own work_dir and router port); every
    environment left is taken down after it, and with the last one both daemons stop."""

    def setUp(self):
        super(LocalSiteTestCase, self).setUp()
        self.router_port = free_port()
        self.addCleanup(self.take_everything_down)

    def config(self, **overrides):
        return super(LocalSiteTestCase, self).config(
            **dict({"router_port": self.router_port}, **overrides)
        )

    def take_everything_down(self):
        for env in self.run_ok(EnvList)["environments"]:
            self.run_action(EnvDestroy, env_name=env["env"], requested_by=env["creator"])
        pid = self.supervisord_pid()
        if pid is not None:  # taking down failed: stop what this test started
            os.kill(pid, signal.SIGTERM)

    def supervisord_pid(self):
        """The pid of this test's supervisord while it runs, else None."""
        try:
            with open(os.path.join(self.work_dir, "supervisor", "supervisord.pid")) as handle:
                pid = int(handle.read().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def through_router(self, app, env):
        """(status, body) of http://APP.ENV.localhost:PORT/ as a person opening it gets them."""
        request = urllib.request.Request(
            "http://127.0.0.1:%d/" % self.router_port,
            headers={"Host": "%s.%s.localhost" % (app, env)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
