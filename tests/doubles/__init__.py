"""API doubles for what cannot run on these machines (DESIGN.md section 5): real servers on
loopback that speak the documented APIs, built from the reference payloads in
../shared/payloads/."""

import json
import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAYLOADS_DIR = os.environ.get("QAECI_PAYLOADS_DIR") or os.path.join(
    os.path.dirname(REPO_ROOT), "shared", "payloads")


def payload_path(*parts):
    path = os.path.join(PAYLOADS_DIR, *parts)
    if not os.path.exists(path):
        raise FileNotFoundError("reference payload %s is missing; fix: set QAECI_PAYLOADS_DIR to "
                                "the shared payloads directory" % path)
    return path


def load_json(*parts):
    with open(payload_path(*parts), encoding="utf-8") as handle:
        return json.load(handle)


def load_bytes(*parts):
    with open(payload_path(*parts), "rb") as handle:
        return handle.read()
