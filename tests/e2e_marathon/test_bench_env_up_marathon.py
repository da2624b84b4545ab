"""bench/env_up.py --backend marathon on a small tree, for real (st2lite, the Marathon double):
the same figures as the local run, its exit code, and no temporary directory left behind."""

import os
import re
import subprocess
import sys

import pytest
from marathon_site import REPO

pytestmark = pytest.mark.e2e

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


def test_the_bench_runs_on_the_marathon_double_and_judges_its_figures():
    done = subprocess.run(
        [
            sys.executable,
            BENCH,
            "--backend",
            "marathon",
            "--apps",
            "5",
            "--levels",
            "3",
            "--build-seconds",
            "0.5",
            "--start-seconds",
            "0.5",
            "--timeline",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )

    lines = done.stdout.splitlines()
    assert [FIGURE.match(line).group(1) for line in lines] == NAMES, done.stdout + done.stderr
    values = {FIGURE.match(line).group(1): float(FIGURE.match(line).group(2)) for line in lines}
    assert values["env_up_cold"] >= values["critical_path_lower_bound"] > 0
    # Each app's task took its set start time on the double: none was healthy sooner after it
    # could start (the timeline's last column, overhead, is what it took beyond that).
    overheads = [
        float(line.split()[-1]) for line in done.stderr.splitlines() if line.startswith("  bench_l")
    ]
    assert len(overheads) == 5 and min(overheads) >= 0, done.stderr
    assert values["cold_vs_critical_path"] == pytest.approx(
        values["env_up_cold"] / values["critical_path_lower_bound"], abs=0.01
    )
    assert values["datastore_reads_per_second"] > 0
    assert 1 <= values["peak_waiting_deploys"] <= 5
    missed = values["cold_vs_critical_path"] > 1.15 or values["env_up_noop"] > 2.0
    assert done.returncode == (1 if missed else 0), done.stderr
    assert "(marathon back end)" in done.stderr and "level 2: deploy overhead" in done.stderr
    work_dir = re.search(r"working in (\S+) ", done.stderr).group(1)
    assert not os.path.exists(work_dir)
