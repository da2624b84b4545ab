"""Poll an app's check URLs (the direct http://HOST:PORT form) until 2xx or its timeout."""
import time
import urllib.error
import urllib.request

POLL_INTERVAL = 0.5
FIRST_INTERVAL = 0.05
# Most apps start within seconds: poll those first seconds closely (every 0.1 s at most, so a
# dependent starts within a tenth of a second), then ease off to POLL_INTERVAL.
EAGER_SECONDS = 10.0
EAGER_INTERVAL = 0.1
# Asking whether the process died costs the back end more than a probe: not every round.
GONE_INTERVAL = 0.5
REQUEST_TIMEOUT = 5.0


class CheckResult(object):
    def __init__(self, ok, reason=""):
        self.ok = ok
        self.reason = reason

    def as_dict(self):
        return {"ok": self.ok, "reason": self.reason}


def probe(url, timeout=REQUEST_TIMEOUT):
    """One request: (ok, reason)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        return False, "%s answered HTTP %d" % (url, error.code)
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return False, "%s did not answer (%s)" % (url, reason)
    if 200 <= status < 300:
        return True, ""
    return False, "%s answered HTTP %d" % (url, status)


def wait_healthy(base_url, paths, timeout, interval=POLL_INTERVAL, clock=time.monotonic,
                 gone=None):
    """Poll every path under BASE_URL until each answers 2xx, or TIMEOUT seconds pass.

    A path that has answered 2xx once is not asked again. Bounded in time and in count.
    gone: optional callable returning a reason once the process has died (stop waiting then).
    """
    started = clock()
    deadline = started + timeout
    next_gone_check = started
    pending = list(paths) or []
    last_reason = ""
    wait = min(FIRST_INTERVAL, interval)
    max_rounds = int(timeout / wait) + 2
    for _ in range(max_rounds):
        still_failing = []
        for path in pending:
            remaining = max(0.1, deadline - clock())
            ok, reason = probe(base_url + path, timeout=min(REQUEST_TIMEOUT, remaining))
            if not ok:
                still_failing.append(path)
                last_reason = reason
        pending = still_failing
        if not pending:
            return CheckResult(True)
        if clock() >= deadline:
            break
        if gone is not None and clock() >= next_gone_check:
            reason = gone()
            if reason:
                return CheckResult(False, reason)
            next_gone_check = clock() + GONE_INTERVAL
        time.sleep(min(wait, max(0.0, deadline - clock())))
        eager = clock() - started < EAGER_SECONDS
        wait = min(min(interval, EAGER_INTERVAL) if eager else interval, wait * 1.5)
    return CheckResult(False, "check failed after %ss: %s" % (_seconds(timeout), last_reason))


def check_once(base_url, paths):
    """Every path once, now (env status): CheckResult."""
    for path in paths:
        ok, reason = probe(base_url + path)
        if not ok:
            return CheckResult(False, reason)
    return CheckResult(True)


def _seconds(value):
    return int(value) if float(value).is_integer() else value
