"""A burst of 100 OOM kills of one app: exactly remediation.max_per_hour remediations, one
escalation, and every other decision skipped and logged. The triggers are dispatched as a sensor
dispatches them (without waiting), through st2lite's runtime, all at once."""

import collections
import json

import pytest
from remediation_site import Site, oom_payload

BURST = 100
CAP = 3
HISTORY_KEPT = 50  # remediation.history_per_key's default
BURST_TIMEOUT = 600  # seconds: a bound, not a measure


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path, remediation={"max_per_hour": CAP})
    site.env_up("qa1", apps="api")
    yield site
    site.close()


def test_a_burst_of_oom_kills_gets_exactly_the_cap_of_remediations(site):
    kills = [oom_payload("qa1", "api", 40000 + number) for number in range(BURST)]  # processes
    remediations = site.fire_burst("qaeci.container_oom", kills, timeout=BURST_TIMEOUT)
    assert len(remediations) == BURST
    assert all(execution["status"] == "succeeded" for execution in remediations), [
        (e["status"], e.get("result")) for e in remediations if e["status"] != "succeeded"
    ][:2]
    counts = collections.Counter(
        execution["result"]["output"]["decision"]["decision"] for execution in remediations
    )
    assert counts == {"acted": CAP, "escalated": 1, "skipped": BURST - CAP - 1}
    assert len(site.history("api")) == HISTORY_KEPT  # the log is bounded: the newest are kept
    assert json.loads(site.key("qaeci.env.qa1.resources.api"))["mem"] == 864  # 256 * 1.5**3
    assert len(site.chat()) == CAP + 1  # each fix, and the escalation once
    assert site.answers("qa1", "api") == 200
