"""Listening sockets: one port for all three services (`--bind`, as StackStorm behind its
nginx), or one loopback port per service (StackStorm's 9100 auth, 9101 API, 9102 stream)."""

import ipaddress
import socket
import threading
from http.server import ThreadingHTTPServer

from st2lite.api.http import Handler

DEFAULT_PORTS = {"auth": 9100, "api": 9101, "stream": 9102}
LOOPBACK = "127.0.0.1"


class BindError(Exception):
    """A one-line, user-facing problem with an address to listen on."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _Server6(_Server):
    address_family = socket.AF_INET6


def parse_bind(text):
    """(host, port) from HOST:PORT ([v6]:PORT too)."""
    host, separator, port = (text or "").rpartition(":")
    host = host.strip("[]")
    if not separator or not host or not port.isdigit() or int(port) > 65535:
        raise BindError("invalid --bind %r: write HOST:PORT, e.g. 127.0.0.1:8080" % text)
    return host, int(port)


def is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class ApiServer(object):
    def __init__(self, app, bind=None, ports=None):
        self.app = app
        if bind:
            host, port = parse_bind(bind)
            self.plan = [(None, host, port)]  # None: the service comes from the path prefix
        else:
            ports = dict(DEFAULT_PORTS, **(ports or {}))
            self.plan = [
                (service, LOOPBACK, ports[service]) for service in ("auth", "api", "stream")
            ]
        self.listeners = []

    def start(self):
        for service, host, port in self.plan:
            handler = type("ApiHandler", (Handler,), {"app": self.app, "service": service or "api"})
            try:
                server = (_Server6 if ":" in host else _Server)((host, port), handler)
            except OSError as e:
                self.stop()
                raise BindError(
                    "cannot listen on %s:%d (%s): choose another port"
                    % (host, port, e.strerror or e)
                ) from e
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.5},
                name="api-%s" % (service or "all"),
                daemon=True,
            )
            thread.start()
            self.listeners.append((service, server, thread))

    def urls(self):
        """{"auth", "api", "stream"}: the base URLs clients are given (ST2_*_URL)."""
        urls = {}
        for service, server, _thread in self.listeners:
            host, port = server.server_address[:2]
            base = "http://%s:%d" % ("[%s]" % host if ":" in host else host, port)
            if service is None:
                return {
                    "auth": base + "/auth/v1",
                    "api": base + "/api/v1",
                    "stream": base + "/stream/v1",
                }
            urls[service] = base + ("" if service == "auth" else "/v1")
        return urls

    def stop(self):
        self.app.stopping.set()
        self.app.close()
        for _service, server, thread in self.listeners:
            server.shutdown()
            server.server_close()
            thread.join(5)
        self.listeners = []
