"""Item 6: the remediation rules on the local back end, from the events its supervisord event
listener spools (fired here as the local events sensor dispatches them): an app that dies is
restarted once, checked and announced; a flapping one is left alone and reported once; the
guards (hourly cap, dry run) hold; an OOM kill raises the app's memory and redeploys it."""
import pytest

from qaeci import triggers
from qaeci.backends.local_event_triggers import CLUSTER
from remediation_site import CHANNEL, Site


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path)
    site.env_up("qa1")
    yield site
    site.close()


def exit_payload(env, app, pid, code=137):
    """What the local events sensor dispatches when ENV.APP's process PID ends with CODE."""
    program = "%s.%s" % (env, app)
    return triggers.container_exit(CLUSTER, program, program, "127.0.0.1", "%s:%s" % (program, pid),
                                   container_name=program, exit_code=code,
                                   labels={triggers.ENV_LABEL: env, triggers.APP_LABEL: app})


def test_an_app_that_dies_is_restarted_once_checked_and_announced(site):
    pid = site.kill("qa1", "api")
    [execution] = site.fire("container_exit", exit_payload("qa1", "api", pid))
    assert execution["action"] == "qaeci.remediate" and execution["status"] == "succeeded"
    assert site.answers("qa1", "api") == 200
    assert site.pid("qa1", "api") not in (None, pid)
    [posted] = site.chat()
    assert posted["channel"] == CHANNEL
    assert posted["message"] == ("qa1/api stopped (exit code 137): restarted once: healthy, "
                                 "its checks pass")
    [decision] = site.history("api")
    assert (decision["decision"], decision["result"]) == ("acted", "succeeded")
    assert decision["announcement"] == posted["message"]
