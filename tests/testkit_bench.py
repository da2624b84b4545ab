"""Loading a script of bench/ as a module, scaled down, for the tests that check what it prints.

Import it as `from tests.testkit_bench import load_bench` (see tests/testkit_wait.py for why)."""

import importlib.util
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_bench(monkeypatch, script, module_name, **scaled):
    """bench/SCRIPT as a module named MODULE_NAME, with each of SCALED's module constants set to
    its value: the same measurements on a small scale, so the suite stays quick."""
    spec = importlib.util.spec_from_file_location(module_name, os.path.join(REPO, "bench", script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, value in scaled.items():
        monkeypatch.setattr(module, name, value)
    return module
