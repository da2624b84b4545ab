"""A pack's own st2tests-based tests run with pytest from the repository root, as
st2-run-pack-tests runs them on StackStorm: passing tests pass, wrong assertions fail."""

import os
import re
import subprocess
import sys
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACK_TESTS = os.path.join("tests", "compat", "fixture_packs", "compat_demo", "tests")


def run_pytest(*args, **kwargs):
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"] + list(args)
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=240, **kwargs)


def counts(output):
    found = dict(
        (word, int(number))
        for number, word in re.findall(r"(\d+) (passed|failed|error|errors)\b", output)
    )
    return (
        found.get("passed", 0),
        found.get("failed", 0),
        found.get("error", found.get("errors", 0)),
    )


def test_the_pack_tests_pass():
    proc = run_pytest(PACK_TESTS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert counts(proc.stdout) == (11, 0, 0), proc.stdout


def test_every_deliberately_wrong_assertion_fails():
    proc = run_pytest(os.path.join(PACK_TESTS, "wrong_assertions.py"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert counts(proc.stdout) == (0, 7, 0), proc.stdout
    for message in [
        "'Hello bob' != 'Goodbye bob'",
        'Trigger "compat_demo.counted" hasn\'t been dispatched',
        'Trigger "compat_demo.not_counted" hasn\'t been dispatched',
        "didn't match the provided parameters: {'name': 'bob'} != {'name': 'alice'}",
        'Command "hi bob" matched multiple format strings',
        'Command "wave at bob" didn\'t match any of the provided format strings',
        'Command "wave at bob" doesn\'t match format string "greet {{ name }}"',
    ]:
        assert message in proc.stdout, message


def test_a_wrongly_set_up_test_case_says_what_to_fix():
    proc = run_pytest(os.path.join(PACK_TESTS, "broken_setup.py"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (
        "PackTestSetupError: NoActionClassTestCase has no action_cls: set action_cls" in proc.stdout
    )
    assert 'Alias with name "no_such_alias" not found' in proc.stdout
    assert 'Format string "wave {{ name }}" is not available on the alias "greet"' in proc.stdout


def test_the_project_suite_does_not_collect_the_fixture_pack_in_process():
    proc = run_pytest("--collect-only", os.path.join("tests", "compat"))
    assert "fixture_packs" not in proc.stdout, proc.stdout
    assert "test_the_pack_tests_pass" in proc.stdout


def test_a_real_stackstorm_st2tests_wins_over_the_compat_one(tmp_path):
    real = tmp_path / "st2tests"
    real.mkdir()
    (real / "__init__.py").write_text("REAL = True\n")
    code = textwrap.dedent("""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("root_conftest", "conftest.py")
        conftest = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(conftest)
        import st2tests
        print(getattr(st2tests, "REAL", False), conftest.COMPAT_DIR in sys.path)
    """)
    with_real = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=str(tmp_path)),
    )
    assert with_real.stdout.split() == ["True", "False"], with_real.stderr
    without = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=""),
    )
    assert without.stdout.split() == ["False", "True"], without.stderr
