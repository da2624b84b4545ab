"""HTTP plumbing: requests in, responses out, every failure as StackStorm's JSON error body.

A handler returns a `Response` (or a `StreamingResponse` for SSE) or raises `ApiError`; any
other exception is logged with its traceback and answered with a bare 500, never the trace.
"""

import json
import logging
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from st2lite.api.errors import ApiError, bad_request

LOG = logging.getLogger("st2lite.api")
MAX_BODY_BYTES = 8 * 1024 * 1024
TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")


class Request(object):
    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.service = None
        self.identity = None  # auth.Identity once authenticated

    @property
    def cookies(self):
        cookie = SimpleCookie()
        try:
            cookie.load(self.headers.get("Cookie") or "")
        except CookieError:
            return {}
        return dict((name, morsel.value) for name, morsel in cookie.items())

    def json(self, required=True):
        """The body as JSON: a 400 naming the problem when it is not."""
        if not self.body:
            if required:
                raise bad_request("The request body is empty: send a JSON object")
            return {}
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise bad_request("Failed to parse request body: %s" % e) from e
        if not isinstance(data, dict):
            raise bad_request(
                "Failed to parse request body: expected a JSON object, got %s" % type(data).__name__
            )
        return data

    def flag(self, name, default=False):
        """A boolean query parameter, as the CLI writes them (True, false, 1...)."""
        value = self.query.get(name)
        if value is None or value == "":
            return default
        if value.lower() in TRUE_WORDS:
            return True
        if value.lower() in FALSE_WORDS:
            return False
        raise bad_request(
            "Invalid value %r for query parameter %s: use true or false" % (value, name)
        )

    def integer(self, name, default=None):
        value = self.query.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError as error:
            raise bad_request(
                "Invalid value %r for query parameter %s: use an integer" % (value, name)
            ) from error


class Response(object):
    def __init__(self, status=200, body=b"", content_type="application/json", headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = list(headers or [])


class StreamingResponse(object):
    """A response written by `produce(write, stopping)` until it returns (SSE)."""

    def __init__(self, produce, headers):
        self.status = 200
        self.produce = produce
        self.headers = list(headers)


def json_response(data, status=200, headers=None):
    body = json.dumps(data, default=str, separators=(",", ":")).encode("utf-8")
    return Response(status, body, headers=headers)


def error_response(status, faultstring, headers=None):
    return json_response(
        {"faultstring": faultstring}, status, headers=list((headers or {}).items())
    )


class Handler(BaseHTTPRequestHandler):
    """One per connection; `app` and `service` are set on a subclass per listener."""

    protocol_version = "HTTP/1.1"
    server_version = "st2lite"
    timeout = 120  # seconds a silent client may hold its connection (and thread)
    # TCP_NODELAY: a response's headers and body, and an SSE stream's frames, are separate small
    # writes; with Nagle's algorithm each one after the first waits for the client's delayed ACK
    # (40 ms on Linux), which was the whole of a stream event's delivery time.
    disable_nagle_algorithm = True
    app = None
    service = "api"

    def send_error(self, code, message=None, explain=None):
        """What http.server itself refuses (a malformed request line or headers) gets a JSON
        faultstring too, not its HTML page."""
        self.close_connection = True
        try:
            self._write(error_response(code, message or self.responses.get(code, ("Error",))[0]))
        except OSError:
            pass

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format, *args):
        LOG.debug("%s %s", self.address_string(), format % args)

    def _handle(self):
        try:
            request = self._read_request()
            response = self.app.handle(request, self.service)
        except ApiError as e:
            response = error_response(e.status, e.faultstring, e.headers)
        except Exception:  # a fault of ours: logged, never shown
            LOG.exception("%s %s failed", self.command, self.path)
            response = error_response(500, "Internal Server Error")
        response.headers.extend(self.app.cors.headers(self.headers.get("Origin")))
        if isinstance(response, StreamingResponse):
            self._stream(response)
        else:
            self._write(response)

    def _read_request(self):
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            raise ApiError(411, "Send the request body with a Content-Length header")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError as error:
            self.close_connection = True
            raise bad_request("Invalid Content-Length header") from error
        if length > MAX_BODY_BYTES:
            self.close_connection = True  # the body is left unread
            raise ApiError(
                413,
                "Request body of %d bytes is too large: the limit is %d bytes"
                % (length, MAX_BODY_BYTES),
            )
        body = self.rfile.read(length) if length > 0 else b""
        return Request(self.command, url.path or "/", query, self.headers, body)

    def _write(self, response):
        self.send_response(response.status)
        if response.status != 204:
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.status != 204:
            self.wfile.write(response.body)

    def _stream(self, response):
        self.close_connection = True  # no length and no chunking: the end of the body is the close
        self.send_response(200)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()

        def write(data):
            self.wfile.write(data)
            self.wfile.flush()

        try:
            response.produce(write)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the client went away
