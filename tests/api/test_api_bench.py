"""bench/api.py against a real `st2lite serve` on a small scale: it prints its five figures as
`name: value unit`, its exit code says whether the targets were met, and what it reads from
/proc counts a server's child processes."""

import os
import re
import subprocess
import sys

import pytest

from tests.testkit_bench import load_bench

NAMES = [
    "serve_idle_rss",
    "executions_per_second",
    "stream_update_latency_p99",
    "big_result_get_execution",
    "big_result_get_result",
]
LINE = re.compile(r"^([a-z_0-9]+): (\d+\.\d+) (MB|/s|ms|s)$")


@pytest.fixture
def bench(monkeypatch):
    return load_bench(
        monkeypatch,
        "api.py",
        "st2lite_api_bench",
        CLIENTS=2,
        THROUGHPUT_EXECUTIONS=20,
        LATENCY_EXECUTIONS=5,
        WARMUP_EXECUTIONS=1,
        BIG_RESULT_BYTES=300 * 1000,
    )


def test_a_small_run_prints_the_five_figures(bench, capsys, monkeypatch):
    monkeypatch.setattr(bench, "TARGET_IDLE_RSS_MB", 1e9)
    monkeypatch.setattr(bench, "TARGET_EXECUTIONS_PER_SECOND", 0)
    monkeypatch.setattr(bench, "TARGET_STREAM_P99_MS", 1e9)
    monkeypatch.setattr(bench, "TARGET_BIG_RESULT_SECONDS", 1e9)
    assert bench.main([]) == 0, capsys.readouterr().err
    lines = capsys.readouterr().out.splitlines()
    assert [LINE.match(line).group(1) for line in lines] == NAMES, lines
    values = dict((LINE.match(line).group(1), float(LINE.match(line).group(2))) for line in lines)
    assert values["serve_idle_rss"] > 10  # a Python process at least: /proc was read
    assert values["executions_per_second"] > 0
    assert values["stream_update_latency_p99"] > 0


def test_a_missed_target_exits_one_and_still_prints_every_figure(bench, capsys, monkeypatch):
    monkeypatch.setattr(bench, "measure_all", lambda packs_dir, profile: (40.0, 99.0, 2, 0.1, 0.1))
    assert bench.main([]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "executions_per_second: 99.0 /s" and len(lines) == 5
    monkeypatch.setattr(bench, "measure_all", lambda packs_dir, profile: (40.0, 100.0, 2, 0.1, 0.1))
    assert bench.main([]) == 0


def test_a_run_that_went_wrong_is_an_error_not_a_figure(bench, capsys, monkeypatch):
    def fails(packs_dir, profile):
        raise bench.BenchRunError("3 of 20 executions succeeded")

    monkeypatch.setattr(bench, "measure_all", fails)
    assert bench.main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "3 of 20 executions succeeded" in captured.err


def test_the_memory_figure_counts_child_processes(bench):
    alone = bench.process_tree_rss_mb(os.getpid())
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; print('up', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == "up\n"  # its interpreter is loaded
        assert child.pid in bench._descendants(os.getpid())
        assert bench.process_tree_rss_mb(os.getpid()) > alone + 3  # a Python interpreter's worth
    finally:
        child.kill()
        child.wait(10)


def test_latencies_are_read_from_stackstorm_timestamps(bench):
    assert bench._epoch("1970-01-01T00:00:01.250000Z") == 1.25
    assert bench.percentile([5, 1, 4, 2, 3], 99) == 5
    assert bench.percentile(list(range(1, 201)), 99) == 198
