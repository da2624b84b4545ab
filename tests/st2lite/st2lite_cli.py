"""The real st2lite command line, run against the fixture packs and a fresh state dir."""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PACKS = os.path.join(HERE, "packs")
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")


class Cli(object):
    """Runs the real st2lite command line against the fixture packs and a fresh state dir."""

    def __init__(self, state):
        self.state = str(state)
        os.makedirs(os.path.join(self.state, "configs"), exist_ok=True)

    def argv(self, *args):
        return [ST2LITE, "--packs", PACKS, "--state", self.state] + list(args)

    def run(self, *args, **kwargs):
        env = dict(os.environ, ST2LITE_USER="tester")
        env.update(kwargs.pop("env", {}))
        return subprocess.run(
            self.argv(*args), capture_output=True, text=True, timeout=120, env=env, **kwargs
        )

    def json(self, *args, **kwargs):
        proc = self.run(*(args + ("--json",)), **kwargs)
        try:
            return proc.returncode, json.loads(proc.stdout)
        except ValueError as error:
            raise AssertionError(
                "not JSON (rc=%s): %s %s" % (proc.returncode, proc.stdout, proc.stderr)
            ) from error

    def start(self, *args):
        return subprocess.Popen(
            self.argv(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, ST2LITE_USER="tester"),
        )


def wait_until(predicate, what, seconds=60):
    """Poll PREDICATE until it is true; fail naming WHAT after SECONDS (a bound, not a pace)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "gave up waiting: %s" % what
        time.sleep(0.05)
