"""bench/env_up_tree.py: the synthetic app tree of the env_up benchmark and its schedule times."""

import importlib.util
import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from demo_stand_ins import REPO, free_port, http_get

spec = importlib.util.spec_from_file_location("env_up_tree", REPO / "bench" / "env_up_tree.py")
env_up_tree = importlib.util.module_from_spec(spec)
sys.modules["env_up_tree"] = env_up_tree  # dataclasses resolve their module by name
spec.loader.exec_module(env_up_tree)
BenchApp, BenchTree = env_up_tree.BenchApp, env_up_tree.BenchTree


def load_registry(registry):
    apps = {p.stem: yaml.safe_load(p.read_text()) for p in (registry / "apps").glob("*.yaml")}
    env = yaml.safe_load((registry / "envs" / "bench.yaml").read_text())
    return apps, env


def longest_chain(apps):
    """Apps on the longest dependency chain, computed from the YAML alone."""
    memo = {}

    def depth(code):
        if code not in memo:
            memo[code] = 1 + max((depth(d) for d in apps[code]["depends_on"]), default=0)
        return memo[code]

    return max(depth(code) for code in apps)


@pytest.fixture(scope="module")
def default_tree(tmp_path_factory):
    return env_up_tree.make_tree(
        tmp_path_factory.mktemp("bench") / "tree", build_seconds=0.2, start_seconds=0.3
    )


def test_default_tree_is_40_apps_5_levels_deep(default_tree):
    apps, env = load_registry(default_tree.registry_path)
    assert len(apps) == 40 and set(env["apps"]) == set(apps)
    assert longest_chain(apps) == 5
    assert env["name"] == "bench" and env["deploy_type"] == "dev"


@pytest.mark.parametrize("count,levels", [(12, 4), (7, 7), (9, 1)])
def test_the_dag_has_the_requested_depth(tmp_path, count, levels):
    tree = env_up_tree.make_tree(
        tmp_path / "t", apps=count, levels=levels, build_seconds=0, start_seconds=0
    )
    apps, _ = load_registry(tree.registry_path)
    assert len(apps) == count and longest_chain(apps) == levels
    for code, app in apps.items():
        assert set(app["depends_on"]) <= set(apps) - {code}


def test_every_app_is_a_git_repository_with_a_shell_build(default_tree):
    apps, _ = load_registry(default_tree.registry_path)
    for code, app in apps.items():
        assert app["app_code"] == code and app["build"]["method"] == "shell"
        remote = subprocess.run(
            ["git", "ls-remote", app["scm"]["url"]],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
        assert "refs/heads/main" in remote


def test_a_synthetic_app_builds_in_its_time_and_then_answers_health(default_tree, tmp_path):
    code = "bench_l2_03"
    app = yaml.safe_load((default_tree.registry_path / "apps" / f"{code}.yaml").read_text())
    clone = tmp_path / code
    subprocess.run(["git", "clone", "-q", app["scm"]["url"], str(clone)], check=True, timeout=30)
    assert shlex.split(app["build"]["command"])[-1] == f"{default_tree.build_time(code):.3f}"
    subprocess.run(shlex.split(app["build"]["command"]), cwd=clone, check=True, timeout=30)
    port = free_port()
    server = subprocess.Popen(
        shlex.split(app["runtime"]["command"]),
        cwd=clone / app["build"]["artifact"],
        env=dict(os.environ, PORT0=str(port), HOST="127.0.0.1"),
    )
    try:
        wait_listening(server, port)
        assert http_get(f"http://127.0.0.1:{port}/health")[0] == 200
        assert http_get(f"http://127.0.0.1:{port}/other")[0] == 404
    finally:
        server.terminate()
        server.wait(timeout=5)


def wait_listening(process, port, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "synthetic server exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail("synthetic server never listened")


def diamond():
    """A and B at level 0, C after A, D after B and C; times chosen so the two schedules differ."""
    apps = {
        "a": BenchApp("a", 0, [], 1.0, 1.0),
        "b": BenchApp("b", 0, [], 3.0, 1.0),
        "c": BenchApp("c", 1, ["a"], 0.5, 2.0),
        "d": BenchApp("d", 2, ["b", "c"], 1.0, 1.0),
    }
    return BenchTree(Path("/nonexistent"), 1.0, 1.0, apps)


def test_critical_path_starts_each_app_when_its_own_dependencies_are_healthy():
    # a healthy at 2, b at 4, c starts at 2 -> 4, d starts at max(1, 4) -> 5
    assert env_up_tree.critical_path(diamond()) == pytest.approx(5.0)


def test_wave_schedule_waits_for_all_builds_and_then_each_level():
    # builds end at 3, then levels take 1 + 2 + 1
    assert env_up_tree.wave_schedule_time(diamond()) == pytest.approx(7.0)


def test_other_means_scale_every_app():
    tree = diamond()
    # times become a 2/.5, b 6/.5, c 1/1, d 2/.5: a ok at 2.5, b 6.5, c 3.5, d starts at 6.5
    assert env_up_tree.critical_path(tree, 2.0, 0.5) == pytest.approx(7.0)
    assert env_up_tree.wave_schedule_time(tree, 2.0, 0.5) == pytest.approx(6 + 0.5 + 1.0 + 0.5)


def test_without_spread_both_schedules_take_builds_plus_one_start_per_level(tmp_path):
    tree = env_up_tree.make_tree(
        tmp_path / "t", apps=10, levels=5, build_seconds=2, start_seconds=3, spread=0
    )
    assert env_up_tree.critical_path(tree) == pytest.approx(2 + 5 * 3)
    assert env_up_tree.wave_schedule_time(tree) == pytest.approx(2 + 5 * 3)


def test_with_spread_the_dependency_schedule_beats_waves_and_is_bounded_below(default_tree):
    ideal, waves = (
        env_up_tree.critical_path(default_tree),
        env_up_tree.wave_schedule_time(default_tree),
    )
    slowest_build = max(default_tree.build_time(code) for code in default_tree.apps)
    assert slowest_build < ideal < waves


def test_the_tree_reads_back_from_its_directory_and_is_reproducible(default_tree, tmp_path):
    loaded = env_up_tree.load_tree(default_tree.root)
    assert loaded.apps == default_tree.apps
    assert env_up_tree.critical_path(str(default_tree.root)) == env_up_tree.critical_path(
        default_tree
    )
    again = env_up_tree.make_tree(tmp_path / "again", build_seconds=0.2, start_seconds=0.3)
    assert again.apps == default_tree.apps


def test_bad_arguments_are_refused_with_the_fix(tmp_path):
    with pytest.raises(env_up_tree.BenchTreeError, match="apps >= levels"):
        env_up_tree.make_tree(tmp_path / "a", apps=3, levels=5)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(env_up_tree.BenchTreeError, match="not empty"):
        env_up_tree.make_tree(tmp_path / "full")
    with pytest.raises(env_up_tree.BenchTreeError, match="make_tree"):
        env_up_tree.critical_path(tmp_path / "missing")


def test_a_cycle_is_named():
    tree = diamond()
    tree.apps["a"].depends_on = ["d"]
    with pytest.raises(env_up_tree.BenchTreeError, match="dependency cycle: a -> d -> c -> a"):
        env_up_tree.critical_path(tree)


def test_the_qaeci_registry_loader_accepts_the_synthetic_registry(default_tree):
    sys.path.insert(0, str(REPO / "packs" / "qaeci" / "lib"))
    try:
        from qaeci.registry import Registry
    finally:
        sys.path.pop(0)
    loaded = Registry.load(str(default_tree.registry_path))
    loaded.validate_all()
    assert sorted(loaded.template("bench").app_codes) == sorted(default_tree.apps)


def test_the_command_line_prints_the_registry_and_both_times(tmp_path, capsys):
    assert (
        env_up_tree.main(
            [
                str(tmp_path / "cli"),
                "--apps",
                "6",
                "--levels",
                "3",
                "--spread",
                "0",
                "--build-seconds",
                "1",
                "--start-seconds",
                "2",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"registry: {tmp_path / 'cli' / 'registry'} (env template 'bench', 6 apps)",
        "critical path: 7.00 s",
        "wave schedule: 7.00 s",
    ]
    assert env_up_tree.main([str(tmp_path / "cli")]) == 2
    assert "is not empty" in capsys.readouterr().err
