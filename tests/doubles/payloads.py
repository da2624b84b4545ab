"""The reference payloads the doubles are built from: ../shared/payloads beside the checkout
(DESIGN.md section 5); QAECI_PAYLOADS_DIR (or its older name QAECI_PAYLOADS) overrides the
location."""

import json
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAYLOADS = (
    os.environ.get("QAECI_PAYLOADS_DIR")
    or os.environ.get("QAECI_PAYLOADS")
    or os.path.join(os.path.dirname(REPO), "shared", "payloads")
)


def payload_path(*parts):
    path = os.path.join(PAYLOADS, *parts)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            "reference payload %s is missing; fix: put the shared payloads "
            "beside the checkout or set QAECI_PAYLOADS_DIR to them" % path
        )
    return path


def load_json(*parts):
    with open(payload_path(*parts), encoding="utf-8") as handle:
        return json.load(handle)


def load_bytes(*parts):
    with open(payload_path(*parts), "rb") as handle:
        return handle.read()
