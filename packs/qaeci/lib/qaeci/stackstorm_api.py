"""StackStorm's REST API as the pack's own actions call it (on StackStorm or on `st2lite serve`):
JSON over HTTP, each request bounded by a timeout, and every way a call can fail turned into one
line naming what to fix. Credentials: the pack config's API key (st2_api.api_key) when set, else
the token StackStorm gives the running action (ST2_ACTION_AUTH_TOKEN, valid while it runs; the
URL then defaults to ST2_ACTION_API_URL), as StackStorm Exchange's st2 pack falls back to them.
A key or token goes in its header only: never into a message."""

import json
import os
import urllib.error
import urllib.request

from qaeci.errors import ConfigError, QaeciError

DEFAULT_URL = "http://127.0.0.1:9101"
DEFAULT_TIMEOUT = 10.0
ENV_API_URL = "ST2_ACTION_API_URL"
ENV_AUTH_TOKEN = "ST2_ACTION_AUTH_TOKEN"


class Credential(object):
    """A secret, the header it goes in, and how a message names it (never by its value)."""

    def __init__(self, header, secret, described_as):
        self.header = header
        self.secret = secret
        self.described_as = described_as


def api_key_credential(api_key):
    return Credential("St2-Api-Key", api_key, "st2_api.api_key")


def action_token_credential(token):
    return Credential("X-Auth-Token", token, "the action's token %s" % ENV_AUTH_TOKEN)


class ApiUnavailable(QaeciError):
    """The API could not be reached, or answered something that is not StackStorm's API."""


class ApiRefused(QaeciError):
    """The API answered an error status; `faultstring` is StackStorm's own message."""

    def __init__(self, status, faultstring, message):
        super(ApiRefused, self).__init__(message)
        self.status = status
        self.faultstring = faultstring


class StackStormApi(object):
    def __init__(self, url, credential, timeout=DEFAULT_TIMEOUT):
        self.url = api_root(url)
        self._credential = credential
        self.timeout = timeout

    @classmethod
    def from_config(cls, values, environ=None):
        """From the pack config's st2_api section, else from the action's environment;
        ConfigError naming the key when one is missing or wrong."""
        environ = os.environ if environ is None else environ
        section = values.get("st2_api") or {}
        if not isinstance(section, dict):
            raise ConfigError(
                "st2_api is not a mapping; fix: set st2_api: {url: ..., api_key: ...}"
            )
        url = section.get("url") or environ.get(ENV_API_URL) or DEFAULT_URL
        return cls(url, _credential(section, environ), _timeout(section))

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
                self._credential.header: self._credential.secret,
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

    @property
    def credential_described_as(self):
        return self._credential.described_as

    def _refusal(self, method, path, status, payload):
        faultstring = _faultstring(payload)
        if status == 401:
            return ApiRefused(
                status,
                faultstring,
                "the StackStorm API at %s refused %s (HTTP 401: %s); fix: create a key with "
                "`st2 apikey create -k` (or `st2lite apikey create`) and set st2_api.api_key"
                % (self.url, self._credential.described_as, faultstring),
            )
        return ApiRefused(
            status,
            faultstring,
            "%s %s: HTTP %d: %s" % (method, path, status, faultstring),
        )


def _credential(section, environ):
    if section.get("api_key"):
        return api_key_credential(section["api_key"])
    if environ.get(ENV_AUTH_TOKEN):
        return action_token_credential(environ[ENV_AUTH_TOKEN])
    raise ConfigError(
        "pack config has no st2_api.api_key and the action was given no %s (StackStorm gives "
        "one to every action; st2lite while `st2lite serve` runs); fix: create a key with "
        "`st2 apikey create -k` (or `st2lite apikey create`) and set st2_api.api_key in "
        "configs/qaeci.yaml" % ENV_AUTH_TOKEN
    )


def _timeout(section):
    try:
        return float(section.get("timeout") or DEFAULT_TIMEOUT)
    except (TypeError, ValueError) as error:
        raise ConfigError(
            "st2_api.timeout %r is not a number of seconds; fix: set e.g. 10"
            % (section.get("timeout"),)
        ) from error


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
