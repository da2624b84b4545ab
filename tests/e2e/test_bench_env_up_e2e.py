"""bench/env_up.py on a small tree, for real (st2lite, supervisord, nginx): its figures, its exit
code, and that it leaves no process or temporary directory behind."""

import os

import pytest
from e2e_site import process_table

from tests.env_up_bench_run import run_small_bench, work_dir_of

pytestmark = pytest.mark.e2e


def test_the_bench_prints_its_figures_and_judges_them():
    done, values = run_small_bench()
    assert values["wave_schedule"] >= values["critical_path_lower_bound"]
    work_dir = work_dir_of(done)
    assert not os.path.exists(work_dir)
    assert not [
        row.cmdline
        for row in process_table()
        if work_dir in row.cmdline or row.cwd.startswith(work_dir)
    ]
