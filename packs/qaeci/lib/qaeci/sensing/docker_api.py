"""A small client of the Docker Engine API over a unix socket or plain TCP: the /events stream
(chunked newline-delimited JSON, read straight off the socket), container inspect and /_ping.

Paths carry no /vX.Y prefix, so any daemon a Mesos agent runs (Docker 17 to 28) answers in its
own API version; the event parser reads only the fields every version writes (Type, Action,
Actor, time, timeNano: api/docs/v1.41.yaml EventMessage; API >= 1.52 dropped status/id/from).
"""

import http.client
import json
import socket
import threading
import urllib.parse

RECV_SIZE = 65536


class DockerApiError(Exception):
    """One line: which daemon, what failed."""


class DockerAddress(object):
    """unix:///var/run/docker.sock or tcp://host:2375, as `docker -H` takes it."""

    def __init__(self, text):
        self.text = text
        parsed = urllib.parse.urlsplit(text)
        self.scheme = parsed.scheme
        if parsed.scheme == "unix":
            self.path, self.host, self.port = parsed.path, None, None
        elif parsed.scheme == "tcp":
            self.path, self.host, self.port = None, parsed.hostname, parsed.port or 2375
        else:
            raise ValueError("%s is not unix://PATH or tcp://HOST:PORT" % text)

    def connect(self, timeout):
        if self.path is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(self.path)
            except OSError:
                sock.close()
                raise
            return sock
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        return sock

    def __str__(self):
        return self.text


class _Connection(http.client.HTTPConnection):
    """http.client over the daemon's address (unix socket or TCP)."""

    def __init__(self, address, timeout):
        http.client.HTTPConnection.__init__(self, "docker", timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = self._address.connect(self.timeout)


class DockerApi(object):
    def __init__(self, address, timeout=10.0):
        self.address = address if isinstance(address, DockerAddress) else DockerAddress(address)
        self.timeout = timeout

    def _get(self, path):
        connection = _Connection(self.address, self.timeout)
        try:
            connection.request("GET", path, headers={"Accept": "application/json"})
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            raise DockerApiError("Docker daemon %s: %s" % (self.address, _short(error))) from error
        finally:
            connection.close()

    def inspect(self, container_id):
        """GET /containers/{id}/json as a dict; None when the daemon has no such container."""
        status, body = self._get("/containers/%s/json" % urllib.parse.quote(container_id))
        if status == 404:
            return None
        if status != 200:
            raise DockerApiError(
                "Docker daemon %s: inspect %s answered HTTP %d: %s"
                % (self.address, container_id[:12], status, _message(body))
            )
        return json.loads(body.decode("utf-8"))

    def ping(self):
        """True when GET /_ping answers 200."""
        try:
            return self._get("/_ping")[0] == 200
        except DockerApiError:
            return False

    def events(self, since=None, filters=None, idle_timeout=30.0, still_alive=None):
        """An open EventStream of GET /events (since: "SECONDS.NANOSECONDS"). After
        idle_timeout seconds without a byte, still_alive() (default: ping) decides whether to
        keep waiting or to end the stream with StreamIdle."""
        query = {}
        if since:
            query["since"] = since
        if filters:
            query["filters"] = json.dumps(filters, sort_keys=True)
        path = "/events" + ("?" + urllib.parse.urlencode(query) if query else "")
        try:
            sock = self.address.connect(self.timeout)
        except OSError as error:
            raise DockerApiError("Docker daemon %s: %s" % (self.address, _short(error))) from error
        stream = EventStream(sock, self.address, idle_timeout, still_alive or self.ping)
        stream.send_request(path)
        return stream


class StreamEnded(Exception):
    """The daemon closed the /events stream (it stopped, or the connection was cut)."""


class StreamIdle(StreamEnded):
    """No byte for idle_timeout seconds and the daemon no longer answers: a dead stream."""


class EventStream(object):
    """The body of GET /events as lines (bytes without the LF), decoded from HTTP chunking."""

    def __init__(self, sock, address, idle_timeout, still_alive):
        self._sock = sock
        self._address = address
        self._idle_timeout = idle_timeout
        self._still_alive = still_alive
        self._buffer = bytearray()
        self._closed = threading.Event()
        self.status = None

    def send_request(self, path):
        request = (
            "GET %s HTTP/1.1\r\nHost: docker\r\nUser-Agent: qaeci-sensor\r\n"
            "Accept: application/json\r\n\r\n" % path
        ).encode("ascii")
        try:
            self._sock.sendall(request)
            self._read_head()
        except (OSError, StreamEnded) as error:
            self.close()
            raise DockerApiError(
                "Docker daemon %s: /events: %s" % (self._address, _short(error))
            ) from error
        except DockerApiError:
            self.close()
            raise

    def _fill(self):
        while True:
            try:
                data = self._sock.recv(RECV_SIZE)
                break
            except socket.timeout as error:
                if self._closed.is_set() or not self._still_alive():
                    raise StreamIdle(
                        "no event for %g s and the daemon does not answer /_ping"
                        % self._idle_timeout
                    ) from error
            except OSError as error:
                raise StreamEnded(_short(error)) from error
        if not data:
            raise StreamEnded("the daemon closed the stream")
        self._buffer += data

    def _read_head(self):
        self._sock.settimeout(self._idle_timeout)
        while b"\r\n\r\n" not in self._buffer:
            self._fill()
        end = self._buffer.index(b"\r\n\r\n")
        lines = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
        del self._buffer[: end + 4]
        try:
            self.status = int(lines[0].split()[1])
        except (IndexError, ValueError) as error:
            raise StreamEnded("the answer is not HTTP (%.60r)" % lines[0]) from error
        headers = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in lines[1:])
        )
        if self.status != 200:
            raise DockerApiError(
                "Docker daemon %s: /events answered HTTP %d: %s"
                % (self._address, self.status, _message(self._rest_of_body(headers)))
            )
        if "chunked" not in headers.get("transfer-encoding", "").lower():
            raise DockerApiError(
                "Docker daemon %s: /events answered without chunked encoding; "
                "is it a Docker daemon?" % self._address
            )

    def _rest_of_body(self, headers):
        length = int(headers.get("content-length") or 0)
        try:
            while len(self._buffer) < length:
                self._fill()
        except StreamEnded:
            pass
        return bytes(self._buffer[:length])

    def lines(self):
        """Yields each complete line; raises StreamEnded (or StreamIdle) when it ends."""
        buffer = self._buffer
        pending = b""
        while True:
            newline = buffer.find(b"\r\n")
            if newline < 0:
                self._fill()
                continue
            try:
                size = int(bytes(buffer[:newline]).split(b";", 1)[0], 16)
            except ValueError as error:
                raise StreamEnded(
                    "the stream is not valid HTTP chunking (%.40r)" % bytes(buffer[:newline])
                ) from error
            if size == 0:
                raise StreamEnded("the daemon ended the stream")
            start = newline + 2
            while len(buffer) < start + size + 2:
                self._fill()
            pending += bytes(buffer[start : start + size])
            del buffer[: start + size + 2]
            if b"\n" in pending:
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    yield line

    def close(self):
        """Ends the stream from any thread: a blocked read returns at once."""
        if self._closed.is_set():
            return
        self._closed.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()


def _short(error):
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(str(text).split())


def _message(body):
    try:
        return json.loads(body.decode("utf-8"))["message"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return " ".join(body.decode("utf-8", "replace").split())[:200] or "(no body)"
