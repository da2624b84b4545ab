"""The real st2lite command line, as a user runs it, on a fresh state directory."""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CHAT_PACKS = os.path.join(HERE, "packs")
REPO_PACKS = os.path.join(REPO, "packs")
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")


class Cli(object):
    def __init__(self, state, packs=(CHAT_PACKS,)):
        self.state = str(state)
        self.packs = list(packs)

    def run(self, *args):
        argv = [ST2LITE, "--state", self.state]
        for packs in self.packs:
            argv += ["--packs", packs]
        return subprocess.run(
            argv + list(args),
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ, ST2LITE_USER="alice"),
        )

    def json(self, *args):
        done = self.run(*(args + ("--json",)))
        try:
            return done.returncode, json.loads(done.stdout)
        except ValueError as error:
            raise AssertionError(
                "not JSON (rc=%s): %s %s" % (done.returncode, done.stdout, done.stderr)
            ) from error

    def announcements(self, *args):
        rc, listed = self.json("announcement", "list", *args)
        assert rc == 0, listed
        return listed
