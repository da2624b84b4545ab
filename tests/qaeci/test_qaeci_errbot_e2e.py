"""The qaeci pack through a real chat bot: Errbot with err-stackstorm (`make errbot`) against
`st2lite serve`, on the real local back end. A chat user types `!st2 env up ...` and gets the
ack, then the result, in the same chat; then `!st2 env status`."""

import os
import sys

import pytest
from test_qaeci_pack_e2e import REPO, site, st2lite  # noqa: F401 (site is a fixture)

sys.path.insert(0, os.path.join(REPO, "tests", "api"))
from api_testkit import PASSWORD, USER, Serve  # noqa: E402
from test_errbot import Chat  # noqa: E402

pytestmark = pytest.mark.e2e
ENV_UP_SECONDS = 300  # builds, deploys and checks on a loaded 2-core machine


@pytest.fixture
def chat(site):  # noqa: F811
    code, _out, err = st2lite(site, "user", "add", USER, "--password", PASSWORD)
    assert code == 0, err
    server = Serve(site["state"], packs=os.path.join(REPO, "packs"))
    bot = Chat(server.urls, wait_seconds=ENV_UP_SECONDS)
    yield bot
    bot.close()
    server.stop()


def test_env_up_then_status_in_chat(chat, site):  # noqa: F811
    chat.type("dora", "!st2 env up qa7 template=demo apps=api")
    ack = chat.said()
    assert ack.startswith("Bringing up qa7 from template demo (only api"), ack
    result = chat.said()
    assert result.startswith("qa7 (demo): every app is healthy"), result
    assert "✓ api healthy http://api.qa7.localhost:%d/" % site["port"] in result

    chat.type("dora", "!st2 env status qa7")
    assert chat.said() == "Checking every app of qa7 now."
    status = chat.said()
    assert status.startswith("qa7 (demo, created by dora)"), status
    assert "✓ api healthy" in status and "More on one app (log, links): env info qa7 APP" in status
