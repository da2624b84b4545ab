"""A threaded HTTP/1.1 server on 127.0.0.1 that hands each request to a double's route():
route(method, path, query, headers, body) -> (status, {header: value}, body bytes)."""

import http.server
import json
import threading
import urllib.parse


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "double"

    def _serve(self):
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, payload = self.server.double.route(
            self.command, parsed.path, urllib.parse.parse_qs(parsed.query), self.headers, body
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format, *args):  # keep test output quiet
        pass


class LoopbackHttpDouble(object):
    """Subclasses implement route(); start() binds a free port on `host` (127.0.0.1 unless a
    subclass serves another loopback address), .url is its base."""

    host = "127.0.0.1"

    def __init__(self):
        self._server = None
        self._thread = None
        self.requests = []  # (method, path) in order, for tests that check what was asked

    def start(self, port=0):
        self._server = http.server.ThreadingHTTPServer((self.host, port), _Handler)
        self._server.daemon_threads = True
        self._server.double = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, kwargs={"poll_interval": 0.05}
        )
        self._thread.start()
        return self

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def json_response(status, document):
    return status, {"Content-Type": "application/json"}, json.dumps(document).encode("utf-8")
