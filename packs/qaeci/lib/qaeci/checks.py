"""Poll an app's check URLs (the direct http://HOST:PORT form) until 2xx or its timeout.

Until the app's port accepts a connection, only the port is tried: a refused connect costs a
fraction of an HTTP request, so it is asked often and an app is seen the moment it listens.
"""

import socket
import time
import urllib.error
import urllib.parse
import urllib.request

POLL_INTERVAL = 0.5
FIRST_INTERVAL = 0.05
# Most apps start within seconds: poll those first seconds closely (every 0.1 s at most, so a
# dependent starts within a tenth of a second), then ease off to POLL_INTERVAL.
EAGER_SECONDS = 10.0
EAGER_INTERVAL = 0.1
PORT_INTERVAL = 0.02  # while nothing listens on the app's port yet
# Asking whether the process died costs the back end more than a probe: not every round.
GONE_INTERVAL = 0.5
REQUEST_TIMEOUT = 5.0


class CheckResult(object):
    def __init__(self, ok, reason=""):
        self.ok = ok
        self.reason = reason

    def as_dict(self):
        return {"ok": self.ok, "reason": self.reason}


def target_url(app_state, address):
    """Where an app's checks go (http://HOST:PORT): the host and port the back end runs it on
    (a cluster task's agent), else its recorded address (the back end runs it there). Never
    the address people use, which on a cluster is the load balancer's."""
    if app_state is not None and app_state.host and app_state.port:
        return "http://%s:%s" % (app_state.host, app_state.port)
    return address["url"]


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


def port_refuses(base_url, timeout=REQUEST_TIMEOUT):
    """The reason BASE_URL's port refuses connections; "" once something listens there."""
    parts = urllib.parse.urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return ""
    except ConnectionRefusedError as error:
        return "%s did not answer (%s)" % (base_url, error.strerror)
    except OSError:
        return ""  # not a plain refusal: the HTTP probe tells what is wrong


def wait_healthy(base_url, paths, timeout, interval=POLL_INTERVAL, clock=time.monotonic, gone=None):
    """Poll every path under BASE_URL until each answers 2xx, or TIMEOUT seconds pass.

    A path that has answered 2xx once is not asked again. Bounded in time and in count.
    gone: optional callable returning a reason once the process has died (stop waiting then).
    """
    pending = list(paths or [])
    if not pending:
        return CheckResult(True)  # nothing to ask: an app without check URLs (a worker, say)
    started = clock()
    deadline = started + timeout
    next_gone_check = started
    last_reason = ""
    listening = False
    wait = min(FIRST_INTERVAL, interval)
    max_rounds = int(timeout / min(wait, PORT_INTERVAL)) + 2
    for _ in range(max_rounds):
        if not listening:
            last_reason = port_refuses(base_url)
            listening = not last_reason
        if listening:
            pending, last_reason = _probe_all(base_url, pending, deadline, clock, last_reason)
            if not pending:
                return CheckResult(True)
        if clock() >= deadline:
            break
        if gone is not None and clock() >= next_gone_check:
            reason = gone()
            if reason:
                return CheckResult(False, reason)
            next_gone_check = clock() + GONE_INTERVAL
        eager = clock() - started < EAGER_SECONDS
        pause = min(wait, PORT_INTERVAL) if eager and not listening else wait
        time.sleep(min(pause, max(0.0, deadline - clock())))
        wait = min(min(interval, EAGER_INTERVAL) if eager else interval, wait * 1.5)
    return CheckResult(False, "check failed after %ss: %s" % (_seconds(timeout), last_reason))


def _probe_all(base_url, paths, deadline, clock, last_reason):
    """(the paths still failing, the last failure's reason) after one request to each."""
    still_failing = []
    for path in paths:
        remaining = max(0.1, deadline - clock())
        ok, reason = probe(base_url + path, timeout=min(REQUEST_TIMEOUT, remaining))
        if not ok:
            still_failing.append(path)
            last_reason = reason
    return still_failing, last_reason


def check_once(base_url, paths):
    """Every path once, now (env status): CheckResult."""
    for path in paths:
        ok, reason = probe(base_url + path)
        if not ok:
            return CheckResult(False, reason)
    return CheckResult(True)


def _seconds(value):
    return int(value) if float(value).is_integer() else value
