"""bench/env_up.py --backend marathon on a small tree, for real (st2lite, the Marathon double):
the same figures as the local run, its exit code, and no temporary directory left behind."""

import os

import pytest

from tests.env_up_bench_run import run_small_bench, work_dir_of

pytestmark = pytest.mark.e2e


def test_the_bench_runs_on_the_marathon_double_and_judges_its_figures():
    done, _ = run_small_bench("--backend", "marathon")
    # Each app's task took its set start time on the double: none was healthy sooner after it
    # could start (the timeline's last column, overhead, is what it took beyond that).
    overheads = [
        float(line.split()[-1]) for line in done.stderr.splitlines() if line.startswith("  bench_l")
    ]
    assert len(overheads) == 5 and min(overheads) >= 0, done.stderr
    assert "(marathon back end)" in done.stderr
    assert not os.path.exists(work_dir_of(done))
