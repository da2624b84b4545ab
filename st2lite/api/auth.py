"""Who is asking: auth tokens, API keys and the `auth-token` cookie, as StackStorm checks them.

Tokens come in the `X-Auth-Token` header, the `x-auth-token` query parameter or the
`auth-token` cookie (st2web's stream sends only the cookie); API keys in the `St2-Api-Key`
header or the `st2-api-key` query parameter. Both at once is refused, as on StackStorm.
"""

import base64
import binascii
import time

from st2lite.api import htpasswd
from st2lite.api.errors import ApiError, unauthorized

TOKEN_HEADER, TOKEN_QUERY, TOKEN_COOKIE = "X-Auth-Token", "x-auth-token", "auth-token"
KEY_HEADER, KEY_QUERY = "St2-Api-Key", "st2-api-key"
TOKEN_METHOD, KEY_METHOD, NO_AUTH_METHOD = "authentication token", "api key", "no auth"
DEFAULT_TTL = MAX_TTL = 86400  # StackStorm's auth.token_ttl
ANONYMOUS_USER = "stanley"  # StackStorm's system user, who acts when auth is off


class Identity(object):
    def __init__(self, user, method, location=None, token=None, expiry=None):
        self.user = user
        self.method = method
        self.location = location
        self.token = token
        self.expiry = expiry


def authenticate(request, credentials):
    """The Identity behind the request's credentials; ApiError 401 otherwise."""
    token, token_location = _first(request, ((TOKEN_HEADER, "header"), (TOKEN_QUERY, "query")))
    key, key_location = _first(request, ((KEY_HEADER, "header"), (KEY_QUERY, "query")))
    if token and key:
        raise unauthorized("Only one of Token or API key expected.")
    if not token and not key:
        token, token_location = request.cookies.get(TOKEN_COOKIE), "cookie"
    if token:
        return _token_identity(credentials, token, token_location)
    if key:
        return _key_identity(credentials, key, key_location)
    raise unauthorized("One of Token or API key required.")


def _first(request, places):
    for name, location in places:
        value = request.headers.get(name) if location == "header" else request.query.get(name)
        if value:
            return value, location
    return None, None


def _token_identity(credentials, token, location):
    record = credentials.token(token)
    if record is None:
        raise unauthorized("Token not found.")
    if record["expiry"] <= time.time():
        raise unauthorized("Token has expired.")
    return Identity(record["user"], TOKEN_METHOD, location, token, record["expiry"])


def _key_identity(credentials, key, location):
    record = credentials.api_key(key)
    if record is None:
        raise unauthorized("API key not found.")
    if not record["enabled"]:
        raise unauthorized("API key is disabled.")
    return Identity(record["user"], KEY_METHOD, location)


def basic_credentials(request):
    """(user, password) from an `Authorization: Basic` header; 401 when absent or malformed."""
    header = request.headers.get("Authorization") or ""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise unauthorized(
            "Authorization header with Basic credentials (user:password) is required."
        )
    try:
        user, separator, password = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise unauthorized("Authorization header is not valid Basic credentials.") from error
    if not separator or not user:
        raise unauthorized("Authorization header is not valid Basic credentials.")
    return user, password


def check_password(htpasswd_path, user, password):
    try:
        valid = htpasswd.verify(htpasswd_path, user, password)
    except htpasswd.HtpasswdError as e:
        raise ApiError(401, "Unauthorized - %s" % e) from e
    if not valid:
        raise ApiError(401, "Invalid or missing credentials")


def cookie_header(token, expiry):
    max_age = max(0, int(expiry - time.time()))
    return ("Set-Cookie", "%s=%s; Max-Age=%d; Path=/; HttpOnly" % (TOKEN_COOKIE, token, max_age))
