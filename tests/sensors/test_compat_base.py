"""Pack code imports st2reactor.sensor.base exactly as on StackStorm."""

import os
import subprocess
import sys
import textwrap

from st2lite.compat import COMPAT_DIR

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_with_compat(code):
    env = dict(os.environ, PYTHONPATH=COMPAT_DIR)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd="/",
    )


def test_sensor_classes_as_stackstorm_defines_them():
    result = run_with_compat("""
        from st2reactor.sensor.base import Sensor, PollingSensor
        try:
            Sensor(None)
        except TypeError as error:
            print("abstract:", "setup" in str(error) and "remove_trigger" in str(error))

        class Poller(PollingSensor):
            def setup(self): pass
            def poll(self): pass
            def cleanup(self): pass
            def add_trigger(self, trigger): pass
            def update_trigger(self, trigger): pass
            def remove_trigger(self, trigger): pass

        p = Poller(sensor_service="svc", config={"a": 1})
        print(p.sensor_service, p._sensor_service, p.config, p._config, p.get_poll_interval())
        p.set_poll_interval(30)
        print(p.get_poll_interval(), Poller("svc").config)
        q = Poller(sensor_service="svc", config=None, poll_interval=7)
        print(q.get_poll_interval())
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "abstract: True",
        "svc svc {'a': 1} {'a': 1} 5",
        "30 {}",
        "7",
    ]


def test_compat_is_not_importable_without_the_compat_dir():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", "import st2reactor"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd="/",
    )
    assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr
