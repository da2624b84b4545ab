"""The public conformance corpus: st2lite must answer as StackStorm's own code answered."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "conformance")
COMPARE = os.path.join(CORPUS, "compare.py")
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")

if not os.path.isfile(COMPARE):
    if os.environ.get("CI"):
        raise RuntimeError("the conformance corpus is missing at %s" % CORPUS)
    pytest.skip("no conformance corpus beside the checkout", allow_module_level=True)


@pytest.mark.parametrize(
    "mode,extra",
    [
        ("workflows", []),
        ("workflows", [os.path.join(CORPUS, "orquesta-fixtures")]),
        ("aliases", []),
        ("rules", []),
        ("params", []),
    ],
    ids=["workflows", "orquesta-fixtures", "aliases", "rules", "params"],
)
def test_corpus_matches_stackstorm(mode, extra):
    proc = subprocess.run(
        [sys.executable, COMPARE, mode, ST2LITE] + extra,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    counted = proc.stdout.strip().splitlines()[-1].split()[0]  # "N/M ...": every case agreed
    done, total = counted.split("/")
    assert done == total and int(total) > 0, proc.stdout[-2000:]
