"""`st2lite serve`: sensors dispatch, rules fire actions, SIGTERM stops it cleanly."""

import signal
import time


def test_serve_runs_sensors_into_rules_and_stops_on_sigterm(cli):
    proc = cli.start("serve", "--auth-port", "0", "--api-port", "0", "--stream-port", "0")
    try:
        deadline = time.time() + 40
        texts = []
        while time.time() < deadline:
            rc, rows = cli.json("execution", "list", "--action", "fx.greet")
            texts = sorted(
                r["result"].get("result", {}).get("text")
                for r in rows
                if r["status"] == "succeeded"
            )
            if len(texts) == 2:
                break
            time.sleep(0.5)
        assert texts == ["hello beacon1", "hello beacon2"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "stopped" in out
    rc, keys = cli.json("key", "list", "--prefix", "fx.BeaconSensor:")
    assert dict((k["name"], k["value"]) for k in keys) == {
        "fx.BeaconSensor:sent": "2",
        "fx.BeaconSensor:cleaned": "yes",
    }
