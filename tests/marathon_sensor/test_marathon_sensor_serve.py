"""The Marathon event sensor run by `st2lite serve` (its sensor container, the pack config from
the state dir) against the Marathon double: trigger instances recorded, rules enforced on them,
the sensor's view saved in its own datastore key, SIGTERM stopping it."""

import signal

import yaml
from qaeci.backends.marathon_client import MarathonClient

from tests.marathon_sensor.stream_helpers import CREDENTIALS, check_schema
from tests.sensors_qaeci.serve_site import st2lite_json, start_serve
from tests.testkit_wait import wait_until


def test_serve_runs_the_sensor_and_the_rules_on_its_triggers(tmp_path, marathon):
    state = tmp_path / "state"
    (state / "configs").mkdir(parents=True)
    (state / "configs" / "qaeci.yaml").write_text(
        yaml.safe_dump(
            {
                "registry_path": str(tmp_path),
                "clusters": {"dev": {"marathon_url": marathon.url, "marathon_auth": CREDENTIALS}},
                "sensors": {"retry_first": 0.05, "retry_max": 0.5},
            }
        )
    )
    serve = start_serve(state)
    try:
        wait_until("event stream", lambda: marathon.events("event_stream_attached"))
        MarathonClient("dev", marathon.url, CREDENTIALS).put_app(
            "/qaeci/e1/web", {"id": "/qaeci/e1/web", "cmd": "serve"}
        )

        def running():
            return [
                i
                for i in st2lite_json(
                    state, "trigger-instance", "list", "--trigger", "qaeci.task_status", "--json"
                )
                if i["payload"]["state"] == "TASK_RUNNING"
            ]

        [instance] = wait_until("TASK_RUNNING trigger instance", running)
        enforcement = wait_until(
            "enforcement",
            lambda: st2lite_json(
                state, "rule-enforcement", "list", "--rule", "qaeci.router_sync", "--json"
            ),
        )
        keys = wait_until(
            "saved view",
            lambda: [
                k["name"]
                for k in st2lite_json(state, "key", "list", "--json")
                if "marathon_view" in k["name"]
            ],
        )
    finally:
        serve.send_signal(signal.SIGTERM)
        out, err = serve.communicate(timeout=30)
    assert serve.returncode == 0, err
    check_schema("task_status", instance["payload"])
    assert (instance["payload"]["env"], instance["payload"]["app"]) == ("e1", "web")
    assert enforcement[0]["status"] == "succeeded"
    assert keys == ["qaeci.MarathonEventsSensor:marathon_view.dev"]
