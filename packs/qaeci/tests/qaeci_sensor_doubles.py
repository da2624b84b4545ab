"""Where the sensor and Marathon action tests find the API doubles: the repository's tests/doubles/ (real HTTP and
unix-socket servers on loopback built from the recorded Mesos, Marathon and Docker payloads).
The pack tests run from the repository (`make test`); a pack installed without its repository
has no doubles, and the tests importing this module are skipped there with that reason."""

import os
import sys
import time
import unittest

PACK_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
REPO = os.path.dirname(os.path.dirname(PACK_DIR))

if not os.path.isfile(os.path.join(REPO, "tests", "doubles", "mesos.py")):
    raise unittest.SkipTest(
        "the API doubles (tests/doubles/ of the qaeci repository) are not "
        "beside this pack; run these tests from the repository"
    )
if REPO not in sys.path:
    sys.path.append(REPO)


def wait_until(condition, timeout=15.0, interval=0.01):
    """condition()'s first true value, or AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %g s" % timeout)
        time.sleep(interval)


def logged(logger_mock, level):
    """The lines logged at `level` ("error", "warning", "info") on st2tests' mock logger."""
    return [call.args[0] for call in getattr(logger_mock, level).call_args_list]


def declared_schemas(sensor_metadata_file):
    """{trigger ref: payload_schema} a sensor's metadata declares."""
    import yaml

    with open(os.path.join(PACK_DIR, "sensors", sensor_metadata_file)) as handle:
        metadata = yaml.safe_load(handle)
    return {
        "qaeci." + entry["name"]: entry["payload_schema"] for entry in metadata["trigger_types"]
    }


def checked_payloads(dispatched, schemas, ref=None):
    """The payloads of dispatched triggers (of `ref` if given), each first validated against the
    schema its sensor declares, as StackStorm validates trigger payloads on dispatch."""
    import jsonschema

    payloads = []
    for item in dispatched:
        if item["trigger"] not in schemas:
            raise AssertionError("%s is not declared in the sensor's metadata" % item["trigger"])
        jsonschema.validate(item["payload"], schemas[item["trigger"]])
        if ref is None or item["trigger"] == ref:
            payloads.append(item["payload"])
    return payloads
