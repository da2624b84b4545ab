"""Item 6 end to end, as the demo runs it on one machine: `st2lite serve` runs the local events
sensor; an app that dies is detected from supervisord's events, restarted once and announced,
with nobody firing anything by hand."""

import os
import signal
import subprocess

import pytest
from remediation_site import PACKS, ST2LITE, TEST_PACKS, Site

from tests.testkit_wait import wait_until

pytestmark = pytest.mark.e2e
DETECTED_WITHIN = 60  # seconds: a bound, not a measure


@pytest.fixture
def served(tmp_path):
    site = Site(tmp_path)
    site.env_up("qa1")
    log = open(os.path.join(site.root, "serve.log"), "w")
    server = subprocess.Popen(
        [
            ST2LITE,
            "--packs",
            PACKS,
            "--packs",
            TEST_PACKS,
            "--state",
            site.state,
            "serve",
            "--auth-port",
            "0",
            "--api-port",
            "0",
            "--stream-port",
            "0",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield site
    server.send_signal(signal.SIGTERM)
    server.wait(60)
    log.close()
    site.close()


def test_a_killed_app_is_detected_restarted_and_announced(served):
    killed = served.kill("qa1", "api")
    [posted] = wait_until("chat message", served.chat, DETECTED_WITHIN)
    assert posted["message"] == (
        "qa1/api stopped (exit code 137): restarted once: healthy, its checks pass"
    )
    assert served.pid("qa1", "api") not in (None, killed)
    assert served.answers("qa1", "api") == 200
    [decision] = served.history("api")
    assert (decision["decision"], decision["trigger"]["cluster"]) == ("acted", "local")
