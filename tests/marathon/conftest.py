"""The Marathon back end and its double: the repository root (tests.doubles) and the pack's
lib/ (qaeci) are importable."""
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for path in (REPO, os.path.join(REPO, "packs", "qaeci", "lib")):
    if path not in sys.path:
        sys.path.insert(0, path)
