"""Every change is held to ruff (pyproject.toml's [tool.ruff]): its lint rules, and the
formatter's style, so code reads the same whoever wrote it."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUFF = os.path.join(os.path.dirname(sys.executable), "ruff")


def ruff(*args):
    return subprocess.run(
        [RUFF, *args, "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_the_code_passes_ruffs_lint_rules():
    proc = ruff("check")
    assert proc.returncode == 0, "fix with `ruff check --fix .`:\n" + proc.stdout[-4000:]


def test_the_code_is_formatted_as_ruff_formats_it():
    proc = ruff("format", "--check")
    assert proc.returncode == 0, "run `ruff format .`:\n" + proc.stdout[-4000:]
