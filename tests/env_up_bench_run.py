"""What the end-to-end runs of bench/env_up.py share (tests/e2e for the local back end,
tests/e2e_marathon for the Marathon double): a small tree run for real, and its figures read and
checked for what holds on every back end."""

import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(REPO, "bench", "env_up.py")
FIGURE = re.compile(r"^([a-z_]+): ([0-9.]+) (s|x|/s|actions)$")
NAMES = [
    "env_up_cold",
    "critical_path_lower_bound",
    "cold_vs_critical_path",
    "wave_schedule",
    "env_up_noop",
    "datastore_reads_per_second",
    "peak_waiting_deploys",
]
SMALL_TREE = ["--apps", "5", "--levels", "3", "--build-seconds", "0.5", "--start-seconds", "0.5"]


def run_small_bench(*extra):
    """(the finished process, {figure: value}) of bench/env_up.py on a 5-app, 3-level tree with
    its timeline; asserts what any back end's run must show: every figure in order, consistent
    with each other, and the exit code the targets call for."""
    done = subprocess.run(
        [sys.executable, BENCH, *SMALL_TREE, "--timeline", *extra],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    lines = done.stdout.splitlines()
    assert [FIGURE.match(line).group(1) for line in lines] == NAMES, done.stdout + done.stderr
    values = {FIGURE.match(line).group(1): float(FIGURE.match(line).group(2)) for line in lines}
    assert values["env_up_cold"] >= values["critical_path_lower_bound"] > 0
    assert values["cold_vs_critical_path"] == pytest.approx(
        values["env_up_cold"] / values["critical_path_lower_bound"], abs=0.01
    )
    assert values["datastore_reads_per_second"] > 0  # st2lite counted what it served
    assert 1 <= values["peak_waiting_deploys"] <= 5
    missed = values["cold_vs_critical_path"] > 1.15 or values["env_up_noop"] > 2.0
    assert done.returncode == (1 if missed else 0), done.stderr
    assert "level 2: deploy overhead" in done.stderr  # the timeline covers every level
    return done, values


def work_dir_of(done):
    """The temporary directory the run said it worked in."""
    return re.search(r"working in (\S+) ", done.stderr).group(1)
