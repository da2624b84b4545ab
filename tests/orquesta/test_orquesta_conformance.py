"""Every workflow of both conformance corpora gives what the real orquesta 1.6 conductor gave:
status, output, whether there were errors, and the child executions (sorted as compare.py)."""

import pytest
from oq_harness import expected_cases, run_case

CASES = expected_cases()


@pytest.mark.parametrize(
    "root,name", [(r, n) for _, r, n in CASES], ids=["%s/%s" % (p, n) for p, _, n in CASES]
)
def test_workflow_matches_stackstorm(root, name):
    got, want = run_case(root, name)
    assert got == want


def test_both_corpora_are_present():
    packs = {p for p, _, _ in CASES}
    assert packs == {"oq", "ox"} and len(CASES) >= 27 + 33
