"""Where the sensor tests find the API doubles: the repository's tests/doubles/ (real HTTP and
unix-socket servers on loopback built from the recorded Mesos, Marathon and Docker payloads).
The pack tests run from the repository (`make test`); a pack installed without its repository
has no doubles, and these tests are skipped there with that reason."""
import os
import sys
import time
import unittest

PACK_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
REPO = os.path.dirname(os.path.dirname(PACK_DIR))

if not os.path.isfile(os.path.join(REPO, "tests", "doubles", "mesos.py")):
    raise unittest.SkipTest("the API doubles (tests/doubles/ of the qaeci repository) are not "
                            "beside this pack; run the sensor tests from the repository")
if REPO not in sys.path:
    sys.path.append(REPO)


def wait_until(condition, timeout=10.0, interval=0.01):
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
