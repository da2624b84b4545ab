"""One `GET /v2/events` connection to a Marathon: opened with Marathon's exact Accept header and
the event_type filter, then read as raw chunks until Marathon closes it.

Marathon answers 405 unless `Accept` is exactly `text/event-stream`; the body is not chunked and
ends when the connection closes (`Connection: close`). Before 1.x, Marathon redirected requests
to the leader instead of proxying them: a 3xx with a Location is followed (a few hops at most).
The socket's read timeout is how a stall shows: read() raises socket.timeout when not one byte,
not even a heartbeat, came for `read_timeout` seconds.

Every failure is a StreamError with one line naming the Marathon and the fix.
"""

import base64
import http.client
import socket
import ssl
import urllib.parse

EVENT_STREAM = "text/event-stream"
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 3
CHUNK = 65536


class StreamError(Exception):
    """The event stream could not be opened or read: one line."""


def basic_auth(auth):
    return "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii") if auth else None


class EventConnection(object):
    def __init__(
        self,
        cluster,
        url,
        auth=None,
        ca_file=None,
        event_types=(),
        connect_timeout=10.0,
        read_timeout=12.0,
    ):
        self.cluster = cluster
        self.url = url.rstrip("/")
        self._authorization = basic_auth(auth)
        self._ca_file = ca_file
        self._event_types = list(event_types)
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._connection = None
        self._sock = None  # kept: http.client lets go of it once the answer says close
        self._response = None

    def __str__(self):
        return "Marathon %s (%s)" % (self.cluster, self.url)

    def open(self):
        url = self.url
        for _ in range(MAX_REDIRECTS + 1):
            response = self._request(url)
            location = response.getheader("Location")
            if response.status not in REDIRECTS or not location:
                self._check(response, url)
                self.url = url
                self._response = response
                self._sock.settimeout(self._read_timeout)
                return self
            self.close()
            url = urllib.parse.urljoin(url + "/", location).split("/v2/events")[0].rstrip("/")
        raise StreamError(
            "%s redirected /v2/events more than %d times; fix: set clusters.%s."
            "marathon_url to the Marathon itself" % (self, MAX_REDIRECTS, self.cluster)
        )

    def read(self):
        """The next bytes of the stream (b"" once Marathon closed it)."""
        return self._response.read1(CHUNK)

    def close(self):
        """Close the connection; safe from another thread (a blocked read() then returns)."""
        connection, sock = self._connection, self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if connection is not None:
            connection.close()
        if self._response is not None:
            self._response.close()

    # -- opening --------------------------------------------------------------------------------

    def _request(self, url):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "https":
            context = ssl.create_default_context(cafile=self._ca_file)
            connection = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=self._connect_timeout, context=context
            )
        else:
            connection = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=self._connect_timeout
            )
        self._connection = connection
        query = urllib.parse.urlencode([("event_type", kind) for kind in self._event_types])
        headers = {"Accept": EVENT_STREAM, "Cache-Control": "no-cache"}
        if self._authorization:
            headers["Authorization"] = self._authorization
        try:
            connection.request(
                "GET",
                "%s/v2/events%s" % (parts.path.rstrip("/"), "?" + query if query else ""),
                headers=headers,
            )
            self._sock = connection.sock
            return connection.getresponse()
        except (ssl.SSLError, ssl.CertificateError) as error:
            self.close()
            raise StreamError(
                "%s: TLS failed (%s); fix: set clusters.%s.marathon_ca_file to the CA "
                "certificate that signed Marathon's, or make clusters.%s."
                "marathon_url use the scheme and host name Marathon serves"
                % (self._named(url), _short(error), self.cluster, self.cluster)
            ) from error
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise StreamError(
                "%s is unreachable (%s); fix: check clusters.%s.marathon_url in the "
                "pack config and that Marathon runs there"
                % (self._named(url), _short(error), self.cluster)
            ) from error

    def _check(self, response, url):
        status = response.status
        if status == 401:
            self.close()
            raise StreamError(
                "%s refused the credentials (HTTP 401); fix: set clusters.%s."
                "marathon_auth to the right user:password" % (self._named(url), self.cluster)
            )
        if status != 200:
            self.close()
            raise StreamError(
                "%s answered GET /v2/events with HTTP %d; fix: check that "
                "clusters.%s.marathon_url is a Marathon (1.x) and that it runs"
                % (self._named(url), status, self.cluster)
            )
        content_type = response.getheader("Content-Type") or ""
        if not content_type.startswith(EVENT_STREAM):
            self.close()
            raise StreamError(
                "%s answered GET /v2/events with %s, not an event stream; fix: "
                "point clusters.%s.marathon_url at Marathon itself, not at a proxy "
                "or login page" % (self._named(url), content_type or "no type", self.cluster)
            )

    def _named(self, url):
        return "Marathon %s (%s)" % (self.cluster, url)


def _short(error):
    text = str(getattr(error, "strerror", None) or getattr(error, "reason", None) or error)
    return " ".join(text.split())[:200] or type(error).__name__
