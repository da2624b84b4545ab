"""The http-request runner (`core.http`)."""

import base64
import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

from st2lite.runners.base import RunnerOutcome

CANCEL_POLL_SECONDS = 0.1


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def run(request):
    """The request runs on a thread of its own, so that a cancel ends the execution at once
    (the abandoned thread ends with the request's own timeout)."""
    canceled = request.runtime.control.cancel_event(request.execution_id)
    done = threading.Event()
    outcome = {}

    def send():
        try:
            outcome["it"] = _send(request.parameters)
        except Exception as e:  # raised on the runner's thread below
            outcome["error"] = e
        finally:
            done.set()

    threading.Thread(target=send, daemon=True, name="http-request").start()
    while not done.wait(CANCEL_POLL_SECONDS):
        if canceled.is_set():
            return RunnerOutcome("canceled", {})
    if "error" in outcome:
        raise outcome["error"]
    return outcome["it"]


def _send(params):
    url = params["url"]
    if params.get("params"):
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params["params"])
    headers = dict(params.get("headers") or {})
    if params.get("username"):
        token = base64.b64encode(
            ("%s:%s" % (params["username"], params.get("password") or "")).encode()
        ).decode()
        headers["Authorization"] = "Basic " + token
    body = params.get("body")
    data = body.encode("utf-8") if isinstance(body, str) else None
    req = urllib.request.Request(
        url, data=data, headers=headers, method=params.get("method", "GET")
    )
    handlers = [] if params.get("allow_redirects") else [_NoRedirect()]
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(req, timeout=params.get("timeout") or 60) as response:
            return _outcome(response.status, response.headers, response.read())
    except urllib.error.HTTPError as e:
        return _outcome(e.code, e.headers, e.read())
    except (urllib.error.URLError, socket.timeout, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        return RunnerOutcome(
            "failed", {"error": "request to %s failed: %s" % (params["url"], reason)}
        )


def _outcome(status, headers, raw):
    text = raw.decode("utf-8", "replace")
    body, parsed = text, False
    if "json" in (headers.get("Content-Type") or ""):
        try:
            body, parsed = json.loads(text), True
        except ValueError:
            pass
    result = {
        "status_code": status,
        "body": body,
        "parsed": parsed,
        "headers": dict(headers.items()),
    }
    return RunnerOutcome("succeeded" if status < 400 else "failed", result)
