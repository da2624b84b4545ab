#!/usr/bin/env python3
"""Bring the demo environment up (or down) on the local back end, through st2lite.

    python scripts/demo.py up   [--state DIR] [--env NAME] [--router-port PORT]
    python scripts/demo.py down [--state DIR] [--env NAME]

`up` turns examples/apps into git repositories (examples/setup_demo.py), writes the qaeci pack
config into the st2lite state dir, makes the standard MariaDB snapshot `demo-standard` once
(env up demo-seed -> snapshot -> env down demo-seed, with qaeci's own actions), then runs
`qaeci.env_up` and prints every app's URL.
"""

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")
SNAPSHOT = "demo-standard"
SEED_ENV = "demo-seed"


class DemoError(Exception):
    pass


def st2lite(state, *args):
    """Run st2lite with --json; returns (exit code, parsed output)."""
    argv = (
        [ST2LITE, "--packs", os.path.join(ROOT, "packs"), "--state", state]
        + list(args)
        + ["--json"]
    )
    proc = subprocess.run(argv, capture_output=True, text=True)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except ValueError as error:
        raise DemoError(
            "st2lite %s failed: %s" % (" ".join(args), (proc.stderr or proc.stdout).strip())
        ) from error


def write_config(state, registry, router_port):
    work = os.path.join(state, "qaeci")
    os.makedirs(os.path.join(state, "configs"), exist_ok=True)
    with open(os.path.join(state, "configs", "qaeci.yaml"), "w") as f:
        f.write(
            "registry_path: %s\nbackend: local\nwork_dir: %s\nartifact_store: file://%s\n"
            "domain: localhost\nrouter_port: %d\n"
            % (registry, work, os.path.join(work, "artifacts"), router_port)
        )


def setup_registry(state):
    proc = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "examples", "setup_demo.py"),
            "--target",
            os.path.join(state, "demo"),
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise DemoError(proc.stderr.strip() or "examples/setup_demo.py failed")
    return proc.stdout.strip().splitlines()[-1]


def ensure_snapshot(state):
    rc, listing = st2lite(state, "run", "qaeci.mysql_snapshot_list")
    names = [
        s.get("name")
        for s in ((listing.get("result") or {}).get("result") or {}).get("snapshots", [])
    ]
    if SNAPSHOT in names:
        return
    print("making the standard MariaDB snapshot %r from examples/db/demo_seed.sql ..." % SNAPSHOT)
    _require(
        st2lite(state, "run", "qaeci.env_up", "env=" + SEED_ENV, "template=" + SEED_ENV),
        "bringing up %s" % SEED_ENV,
    )
    _require(
        st2lite(
            state, "run", "qaeci.mysql_snapshot_create", "env_name=" + SEED_ENV, "name=" + SNAPSHOT
        ),
        "taking the snapshot",
    )
    _require(st2lite(state, "run", "qaeci.env_down", "env=" + SEED_ENV), "removing " + SEED_ENV)


def _require(answer, what):
    rc, execution = answer
    if rc != 0:
        raise DemoError(
            "%s failed (execution %s): %s" % (what, execution.get("id"), _reason(execution))
        )
    return execution


def _reason(execution):
    result = execution.get("result") or {}
    output = result.get("output") or {}
    failures = [
        "%s: %s" % (name, app.get("reason"))
        for name, app in (output.get("apps") or {}).items()
        if app.get("status") != "healthy"
    ]
    return "; ".join(failures) or result.get("error") or json.dumps(result.get("errors"))[:300]


def up(args):
    registry = setup_registry(args.state)
    write_config(args.state, registry, args.router_port)
    ensure_snapshot(args.state)
    print("bringing environment %r up (template demo) ..." % args.env)
    rc, execution = st2lite(args.state, "run", "qaeci.env_up", "env=" + args.env, "template=demo")
    output = (execution.get("result") or {}).get("output") or {}
    for name, app in sorted((output.get("apps") or {}).items()):
        mark = "✓" if app.get("status") == "healthy" else "✗"
        reason = "" if app.get("status") == "healthy" else "  (%s)" % app.get("reason")
        print("  %s %-8s %s%s" % (mark, name, app.get("url", ""), reason))
    print(
        "execution %s %s; history: %s --state %s execution get %s"
        % (execution.get("id"), execution.get("status"), ST2LITE, args.state, execution.get("id"))
    )
    return 0 if rc == 0 else 1


def down(args):
    rc, execution = st2lite(args.state, "run", "qaeci.env_down", "env=" + args.env)
    print("environment %r: %s" % (args.env, execution.get("status")))
    return 0 if rc == 0 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["up", "down"])
    parser.add_argument("--state", default=os.path.expanduser("~/.local/state/qaeci-demo"))
    parser.add_argument("--env", default="demo")
    parser.add_argument("--router-port", type=int, default=8080)
    args = parser.parse_args()
    args.state = os.path.abspath(os.path.expanduser(args.state))
    try:
        return up(args) if args.command == "up" else down(args)
    except DemoError as e:
        sys.stderr.write("demo: %s\n" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
