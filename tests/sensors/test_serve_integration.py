"""End to end through `st2lite serve`: a pack sensor's dispatches reach the rules engine, rules
start actions, the sensor's datastore keys are local to it, and SIGTERM stops everything."""

import json
import os
import signal
import subprocess
import textwrap
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ST2LITE = os.path.join(REPO, ".venv", "bin", "st2lite")

pytestmark = pytest.mark.skipif(
    not os.path.exists(ST2LITE), reason="st2lite is not installed in .venv"
)

FILES = {
    "pack.yaml": """
        ref: beat
        name: beat
        description: heartbeat pack
        version: 0.1.0
        author: qa
        email: qa@example.com
    """,
    "sensors/beat.yaml": """
        class_name: BeatSensor
        entry_point: beat.py
        description: beats
        poll_interval: 0.2
        trigger_types:
          - name: beat
            description: a beat
            payload_schema: {type: object}
    """,
    "sensors/beat.py": """
        from st2reactor.sensor.base import PollingSensor


        class BeatSensor(PollingSensor):
            def setup(self):
                self.count = 0

            def poll(self):
                self.count += 1
                self.sensor_service.set_value("count", self.count)
                self.sensor_service.dispatch("beat.beat", {"n": self.count})

            def cleanup(self):
                pass

            def add_trigger(self, trigger):
                pass

            def update_trigger(self, trigger):
                pass

            def remove_trigger(self, trigger):
                pass
    """,
    "rules/even.yaml": """
        name: even
        pack: beat
        enabled: true
        trigger: {type: beat.beat}
        criteria:
          trigger.n:
            type: inside
            pattern: [2, 4, 6, 8]
        action:
          ref: core.echo
          parameters: {message: "beat {{ trigger.n }}"}
    """,
}


def write_pack(root):
    for name, text in FILES.items():
        path = root / "beat" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


def cli(packs, state, *args):
    proc = subprocess.run(
        [ST2LITE, "--packs", str(packs), "--state", str(state)] + list(args),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_sensor_dispatches_drive_rules_until_sigterm(tmp_path):
    packs, state = tmp_path / "packs", tmp_path / "state"
    write_pack(packs)
    serve = subprocess.Popen(
        [
            ST2LITE,
            "--packs",
            str(packs),
            "--state",
            str(state),
            "serve",
            "--auth-port",
            "0",
            "--api-port",
            "0",
            "--stream-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        enforcements = []
        while time.monotonic() < deadline and len(enforcements) < 2:
            time.sleep(0.5)
            enforcements = cli(packs, state, "rule-enforcement", "list", "--json")
        assert len(enforcements) >= 2, (
            serve.stderr.read() if serve.poll() is not None else "no enforcements"
        )
    finally:
        serve.send_signal(signal.SIGTERM)
        out, err = serve.communicate(timeout=30)
    assert serve.returncode == 0, err
    assert all(e["rule"] == "beat.even" and e["status"] == "succeeded" for e in enforcements)
    instances = cli(packs, state, "trigger-instance", "list", "--json", "-n", "100")
    numbers = sorted(i["payload"]["n"] for i in instances if i["trigger"] == "beat.beat")
    assert numbers[:4] == [1, 2, 3, 4]
    keys = {k["name"]: k["value"] for k in cli(packs, state, "key", "list", "--json")}
    assert int(keys["beat.BeatSensor:count"]) >= 4
