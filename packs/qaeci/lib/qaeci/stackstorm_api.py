"""StackStorm's REST API as the pack's own actions call it (on StackStorm or on `st2lite serve`):
JSON over HTTP with the pack config's API key (st2_api), each request bounded by a timeout, and
every way a call can fail turned into one line naming the config key to fix. The key goes in the
St2-Api-Key header only: never into a message."""

import json
import urllib.error
import urllib.request

from qaeci.errors import ConfigError, QaeciError

DEFAULT_URL = "http://127.0.0.1:9101"
DEFAULT_TIMEOUT = 10.0


class ApiUnavailable(QaeciError):
    """The API could not be reached, or answered something that is not StackStorm's API."""


class ApiRefused(QaeciError):
    """The API answered an error status; `faultstring` is StackStorm's own message."""

    def __init__(self, status, faultstring, message):
        super(ApiRefused, self).__init__(message)
        self.status = status
        self.faultstring = faultstring


class StackStormApi(object):
    def __init__(self, url, api_key, timeout=DEFAULT_TIMEOUT):
        self.url = api_root(url)
        self._api_key = api_key
        self.timeout = timeout

    @classmethod
    def from_config(cls, values):
        """From the pack config's st2_api section; ConfigError naming the key when one is
        missing or wrong."""
        section = values.get("st2_api") or {}
        if not isinstance(section, dict):
            raise ConfigError(
                "st2_api is not a mapping; fix: set st2_api: {url: ..., api_key: ...}"
            )
        api_key = section.get("api_key")
        if not api_key:
            raise ConfigError(
                "pack config has no st2_api.api_key; fix: create one with `st2 apikey create -k` "
                "(or `st2lite apikey create`) and set st2_api.api_key in configs/qaeci.yaml"
            )
        try:
            timeout = float(section.get("timeout") or DEFAULT_TIMEOUT)
        except (TypeError, ValueError) as error:
            raise ConfigError(
                "st2_api.timeout %r is not a number of seconds; fix: set e.g. 10"
                % (section.get("timeout"),)
            ) from error
        return cls(section.get("url") or DEFAULT_URL, api_key, timeout)

    def get(self, path):
        return self._call("GET", path)

    def put(self, path, body):
        return self._call("PUT", path, body)

    def _call(self, method, path, body=None):
        request = urllib.request.Request(
            self.url + path,
            data=None if body is None else json.dumps(body).encode("utf-8"),
            method=method,
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json",
                "St2-Api-Key": self._api_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            raise self._refusal(method, path, error.code, error.read()) from error
        except (urllib.error.URLError, OSError) as error:
            raise ApiUnavailable(
                "cannot reach the StackStorm API at %s within %gs (%s); fix: set st2_api.url to "
                "StackStorm's API (or st2lite serve's), e.g. %s"
                % (self.url, self.timeout, getattr(error, "reason", error), DEFAULT_URL)
            ) from error
        try:
            return json.loads(payload.decode("utf-8")) if payload.strip() else None
        except ValueError as error:
            raise ApiUnavailable(
                "%s %s%s answered something that is not JSON; fix: check that st2_api.url is "
                "StackStorm's API, not a proxy or login page" % (method, self.url, path)
            ) from error

    def _refusal(self, method, path, status, payload):
        faultstring = _faultstring(payload)
        if status == 401:
            return ApiRefused(
                status,
                faultstring,
                "the StackStorm API at %s refused st2_api.api_key (HTTP 401: %s); fix: create a "
                "key with `st2 apikey create -k` (or `st2lite apikey create`) and set "
                "st2_api.api_key" % (self.url, faultstring),
            )
        return ApiRefused(
            status,
            faultstring,
            "%s %s: HTTP %d: %s" % (method, path, status, faultstring),
        )


def api_root(url):
    """The versioned root every path hangs from: http://host:9101 -> http://host:9101/v1;
    https://host/api (StackStorm's nginx) -> https://host/api/v1; one ending in /v1 as given."""
    url = url.rstrip("/")
    return url if url.endswith("/v1") else url + "/v1"


def _faultstring(payload):
    text = payload.decode("utf-8", "replace")
    try:
        decoded = json.loads(text)
    except ValueError:
        decoded = None
    if isinstance(decoded, dict) and decoded.get("faultstring"):
        return str(decoded["faultstring"])
    return " ".join(text.split())[:200] or "no message"
