"""A workflow definition found valid once is not checked against the schema again (no
jsonschema import on later runs); an invalid one is always checked and reported."""

import json
import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INSPECT = """
import json, sys
from st2lite.orquesta import inspect_workflow
errors = inspect_workflow(sys.argv[1])
print(json.dumps({"errors": len(errors), "jsonschema": "jsonschema" in sys.modules}))
"""
VALID = "version: 1.0\ntasks:\n  only:\n    action: core.noop\n"
INVALID = "version: 1.0\ntasks:\n  only:\n    action: core.noop\n    bogus: 1\n"


def inspect_fresh(definition, cache_dir):
    done = subprocess.run(
        [sys.executable, "-c", INSPECT, definition],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        env=dict(os.environ, ST2LITE_CACHE_DIR=str(cache_dir)),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_valid_definition_is_checked_once(tmp_path):
    assert inspect_fresh(VALID, tmp_path) == {"errors": 0, "jsonschema": True}
    assert inspect_fresh(VALID, tmp_path) == {"errors": 0, "jsonschema": False}


def test_an_invalid_definition_is_checked_every_time(tmp_path):
    for _ in range(2):
        assert inspect_fresh(INVALID, tmp_path) == {"errors": 1, "jsonschema": True}


def test_an_unwritable_cache_still_checks(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    for _ in range(2):
        assert inspect_fresh(VALID, blocked) == {"errors": 0, "jsonschema": True}
