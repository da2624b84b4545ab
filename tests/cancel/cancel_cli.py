"""The real st2lite command line on the cancel fixture pack, with waits for what a user would
watch for (an execution in a status, a process gone)."""

import json
import os
import subprocess
import sys

from tests.testkit_wait import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
PACKS = os.path.join(HERE, "packs")
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")


class CancelCli(object):
    def __init__(self, state):
        self.state = str(state)

    def argv(self, *args):
        return [ST2LITE, "--packs", PACKS, "--state", self.state] + list(args)

    def env(self):
        return dict(os.environ, ST2LITE_USER="tester")

    def run(self, *args):
        return subprocess.run(
            self.argv(*args), capture_output=True, text=True, timeout=120, env=self.env()
        )

    def start(self, *args):
        """`st2lite ARGS --json` in the background, as in another terminal."""
        return subprocess.Popen(
            self.argv(*(args + ("--json",))),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(),
        )

    def get(self, execution_id):
        proc = self.run("execution", "get", execution_id, "--json")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    def newest(self):
        proc = self.run("execution", "list", "-n", "1", "--json")
        rows = json.loads(proc.stdout) if proc.returncode == 0 else []
        return rows[0] if rows else None

    def wait_running(self, action=None, task=None):
        """The newest top-level execution once it (or its task TASK) runs."""

        def probe():
            newest = self.newest()
            if newest is None or (action and newest["action"] != action):
                return None
            if task is None:
                return newest if newest["status"] == "running" else None
            for child in self.get(newest["id"])["children"]:
                if child["task"] == task and child["status"] == "running":
                    return newest
            return None

        return wait_until("a running execution", probe)

    def wait_status(self, execution_id, status):
        return wait_until(
            "%s to be %s" % (execution_id, status),
            lambda: (lambda e: e if e["status"] == status else None)(self.get(execution_id)),
        )


def processes_running(command_line):
    """pids of processes whose command line is exactly COMMAND_LINE (argv joined by spaces)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                argv = f.read().rstrip(b"\0").split(b"\0")
        except OSError:
            continue
        if b" ".join(argv).decode("utf-8", "replace") == command_line:
            found.append(int(name))
    return found
