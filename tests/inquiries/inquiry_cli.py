"""The real st2lite command line on the `inq` fixture pack, with bounded waits for what a
paused workflow's answer sets going in other processes."""

import json
import os
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PACKS = os.path.join(HERE, "packs")
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")
WAIT_SECONDS = 60  # bound on every wait: an event, or the test fails


class InquiryCli(object):
    def __init__(self, state):
        self.state = str(state)

    def argv(self, *args):
        return [ST2LITE, "--packs", PACKS, "--state", self.state] + list(args)

    def run(self, *args, **kwargs):
        user = kwargs.pop("user", "alice")
        return subprocess.run(
            self.argv(*args),
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
            env=dict(os.environ, ST2LITE_USER=user),
            **kwargs,
        )

    def json(self, *args, **kwargs):
        proc = self.run(*(args + ("--json",)), **kwargs)
        try:
            return proc.returncode, json.loads(proc.stdout)
        except ValueError as error:
            raise AssertionError(
                "not JSON (rc=%s): %s %s" % (proc.returncode, proc.stdout, proc.stderr)
            ) from error

    def execution(self, execution_id):
        rc, execution = self.json("execution", "get", execution_id)
        assert rc in (0, 1), execution
        return execution

    def inquiries(self):
        rc, inquiries = self.json("inquiry", "list")
        assert rc == 0, inquiries
        return inquiries

    def respond(self, inquiry_id, response, user="alice"):
        return self.run("inquiry", "respond", inquiry_id, "-r", json.dumps(response), user=user)

    def wait_for(self, what, predicate):
        """Poll until predicate() gives something true; return it."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            value = predicate()
            if value:
                return value
            assert time.monotonic() < deadline, "gave up waiting: %s" % what
            time.sleep(0.1)

    def wait_status(self, execution_id, statuses):
        return self.wait_for(
            "%s to be %s" % (execution_id, "|".join(statuses)),
            lambda: (lambda e: e if e["status"] in statuses else None)(
                self.execution(execution_id)
            ),
        )

    def runtime_of(self, execution_id):
        """The token of the st2lite process that ran the execution last."""
        with sqlite3.connect(os.path.join(self.state, "st2lite.sqlite")) as db:
            return db.execute(
                "SELECT runtime FROM executions WHERE id = ?", (execution_id,)
            ).fetchone()[0]

    def backdate(self, execution_id, minutes):
        """Make an execution look started `minutes` ago (as a ttl passing would)."""
        started = time.strftime(
            "%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(time.time() - minutes * 60)
        )
        with sqlite3.connect(os.path.join(self.state, "st2lite.sqlite")) as db:
            db.execute(
                "UPDATE executions SET start_timestamp = ? WHERE id = ?", (started, execution_id)
            )


def child(execution, task):
    found = [c for c in execution["children"] if c["task"] == task]
    assert len(found) == 1, (task, [c["task"] for c in execution["children"]])
    return found[0]
