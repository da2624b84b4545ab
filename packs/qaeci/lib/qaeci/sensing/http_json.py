"""GET a JSON document from Mesos or Marathon, turning every way it can fail into one line that
names the endpoint, the config key it came from and the fix."""

import base64
import json
import socket
import ssl
import urllib.error
import urllib.request


class EndpointError(Exception):
    """One line: which endpoint, what went wrong, how to fix it."""


class NotJson(EndpointError):
    """The endpoint answered, but not with JSON (a proxy's page, a truncated body)."""


class Endpoint(object):
    """A base URL from the pack config:
    Endpoint("Mesos master", url, "clusters.dev.mesos_url")."""

    def __init__(self, what, url, config_key, auth=None, timeout=10.0):
        self.what = what
        self.url = url.rstrip("/")
        self.config_key = config_key
        self.timeout = timeout
        self._headers = {"Accept": "application/json"}
        if auth:
            token = base64.b64encode(auth.encode("utf-8")).decode("ascii")
            self._headers["Authorization"] = "Basic " + token

    def __str__(self):
        return "%s %s" % (self.what, self.url)

    def get(self, path):
        """The decoded JSON body of GET url+path; EndpointError on any failure."""
        body = self.get_bytes(path)
        try:
            return json.loads(body.decode("utf-8"))
        except ValueError as error:
            raise NotJson(
                "%s answered %s with something that is not JSON; fix: check that "
                "%s points at the %s itself, not at a proxy or login page"
                % (self, path, self.config_key, self.what)
            ) from error

    def get_bytes(self, path):
        """The body of GET url+path as it came; EndpointError on any failure."""
        request = urllib.request.Request(self.url + path, headers=self._headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            raise EndpointError(self._status_line(error.code, path)) from error
        except (urllib.error.URLError, OSError) as error:
            raise EndpointError(self._transport_line(getattr(error, "reason", error))) from error

    def _status_line(self, status, path):
        if status in (401, 403):
            return (
                '%s refused the credentials (HTTP %d); fix: set the right "user:password" '
                "in the cluster's marathon_auth (%s)" % (self, status, self.config_key)
            )
        if status == 404:
            return "%s has no %s (HTTP 404); fix: check that %s is the %s's base URL" % (
                self,
                path,
                self.config_key,
                self.what,
            )
        return "%s answered %s with HTTP %d; retrying" % (self, path, status)

    def _transport_line(self, reason):
        if isinstance(reason, ssl.SSLError):
            return (
                "%s: TLS error (%s); fix: install its CA certificate, or use http:// in %s if "
                "it does not speak TLS" % (self, _short(reason), self.config_key)
            )
        if isinstance(reason, socket.timeout):
            return "%s did not answer within %g s; fix: check that it is up" % (self, self.timeout)
        if isinstance(reason, socket.gaierror):
            return "%s: host name not found (%s); fix: correct the host in %s" % (
                self,
                _short(reason),
                self.config_key,
            )
        return "%s is unreachable (%s); fix: check %s and that the %s is running" % (
            self,
            _short(reason),
            self.config_key,
            self.what,
        )


def _short(reason):
    text = getattr(reason, "strerror", None) or getattr(reason, "reason", None) or str(reason)
    return " ".join(str(text).split())
