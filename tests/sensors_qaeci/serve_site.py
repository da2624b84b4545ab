"""What the tests running the pack's sensors under `st2lite serve` share: the real st2lite
command line on a state dir with the repository's packs, and a bounded wait for what serve
records."""

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKS = os.path.join(REPO, "packs")
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")


def st2lite(state, *args):
    """The command's stdout; AssertionError with its stderr when it fails."""
    done = subprocess.run(
        [ST2LITE, "--packs", PACKS, "--state", str(state)] + list(args),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def st2lite_json(state, *args):
    return json.loads(st2lite(state, *args))


# The API's auth, API and stream ports are picked free: StackStorm's defaults (9100-9102) may be
# taken by another serve on the machine.
FREE_PORTS = ["--auth-port", "0", "--api-port", "0", "--stream-port", "0"]


def start_serve(state, *args):
    return subprocess.Popen(
        [ST2LITE, "--packs", PACKS, "--state", str(state), "serve"] + FREE_PORTS + list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
