"""The qaeci pack's sensors against the Mesos and Docker doubles: pack lib, sensors and the
doubles are importable; st2reactor / st2tests come from st2lite's compat modules when no real
StackStorm is installed."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PACK = os.path.join(REPO, "packs", "qaeci")
for path in (os.path.join(PACK, "lib"), os.path.join(PACK, "sensors"), REPO, HERE):
    if path not in sys.path:
        sys.path.insert(0, path)
COMPAT = os.path.join(REPO, "st2lite", "compat")
if COMPAT not in sys.path:
    sys.path.append(COMPAT)
