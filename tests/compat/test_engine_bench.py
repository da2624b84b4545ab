"""bench/st2lite_engine.py prints its three figures as `name: value unit` and its exit code says
whether the targets were met; a run that did not do its work is an error, not a figure."""

import re

import pytest

from tests.testkit_bench import load_bench

LINE = re.compile(
    r"^(orquesta_task_overhead: \d+\.\d\d ms|with_items_fanout_1000: \d+\.\d\d s|"
    r"rule_evaluations_per_second: \d+ /s)$"
)


@pytest.fixture
def bench(monkeypatch):
    return load_bench(
        monkeypatch,
        "st2lite_engine.py",
        "st2lite_engine_bench",
        SEQUENTIAL_TASKS=5,
        FANOUT_ITEMS=20,
        FANOUT_CONCURRENCY=5,
        RULE_PAYLOADS=20,
        RULE_ROUNDS=1,
        REPEATS=1,
    )


def test_prints_exactly_the_three_figures(bench, capsys, monkeypatch):
    monkeypatch.setattr(bench, "TARGET_TASK_OVERHEAD_MS", 1e9)
    monkeypatch.setattr(bench, "TARGET_FANOUT_S", 1e9)
    monkeypatch.setattr(bench, "TARGET_RULE_RATE", 0)
    assert bench.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(LINE.match(line) for line in lines), lines
    assert [line.split(":")[0] for line in lines] == [
        "orquesta_task_overhead",
        "with_items_fanout_1000",
        "rule_evaluations_per_second",
    ]


def test_a_missed_target_exits_non_zero(bench, capsys, monkeypatch):
    monkeypatch.setattr(bench, "TARGET_RULE_RATE", 1e12)
    assert bench.main([]) == 1
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_a_workflow_that_did_not_run_every_task_is_an_error(bench, tmp_path):
    from st2lite.runtime import Runtime

    bench.write_pack(str(tmp_path / "packs"))
    runtime = Runtime([str(tmp_path / "packs")], str(tmp_path / "state"))
    with pytest.raises(bench.BenchRunError, match="ran 5 task executions, expected 6"):
        bench.run_workflow(runtime, "engbench.sequential", {}, 6)


def test_the_generated_rules_are_valid_and_match_only_some_payloads(bench):
    rules, payloads = bench.make_rules(50), bench.make_payloads(20)
    matched = sum(len(bench.evaluate_rules(rules, bench.TRIGGER, p)) for p in payloads)
    assert 0 < matched < 50 * 20
