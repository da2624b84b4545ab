"""The bounded wait every test folder uses: poll until something holds, or fail naming it.

Import it as `from tests.testkit_wait import wait_until`: test folders have no __init__.py, and
pytest puts the repository root (where the root conftest.py lives) on sys.path, so `tests` is a
namespace package there."""

import time

POLL_SECONDS = 0.1


def wait_until(what, probe, seconds=30, poll=POLL_SECONDS):
    """probe()'s first true value, asked every POLL seconds; after SECONDS an AssertionError
    that names WHAT. A bound, never a measure: a test fails only when the thing never happens."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("gave up waiting for %s within %g s" % (what, seconds))
        time.sleep(poll)
