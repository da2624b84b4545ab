"""Auth service `POST /tokens` and `/tokens/validate`; API `GET /user` and the API root."""

import time

from st2lite.api import auth
from st2lite.api.errors import bad_request
from st2lite.api.http import json_response
from st2lite.api.shapes import iso_time

API_VERSION = "v1"


def register(router):
    router.add("auth", "POST", "/tokens", issue_token, authenticated=False)
    router.add("auth", "POST", "/tokens/validate", validate_token, authenticated=False)
    router.add("api", "GET", "/user", current_user)
    router.add("api", "GET", "/", api_root)


def issue_token(app, request):
    user, password = auth.basic_credentials(request)
    body = request.json(required=False)
    ttl = body.get("ttl", auth.DEFAULT_TTL)
    if ttl is None:
        ttl = auth.DEFAULT_TTL
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
        raise bad_request("ttl must be a positive integer (seconds), got %r" % (ttl,))
    if ttl > auth.MAX_TTL:
        raise bad_request(
            'TTL specified "%d" is greater than max allowed "%d".' % (ttl, auth.MAX_TTL)
        )
    auth.check_password(app.htpasswd_path, user, password)
    token_id, token, expiry = app.credentials.issue_token(user, ttl)
    return json_response(
        {"id": token_id, "user": user, "token": token, "expiry": iso_time(expiry), "metadata": {}},
        status=201,
        headers=[auth.cookie_header(token, expiry)],
    )


def validate_token(app, request):
    token = request.json().get("token")
    if not isinstance(token, str) or not token:
        raise bad_request('Give the token to validate as {"token": "..."}')
    record = app.credentials.token(token)
    return json_response({"valid": bool(record and record["expiry"] > time.time())})


def current_user(app, request):
    identity = request.identity
    authentication = {"method": identity.method, "location": identity.location}
    if identity.expiry:
        authentication["token_expire"] = iso_time(identity.expiry)
    return json_response(
        {
            "username": identity.user,
            "authentication": authentication,
            "rbac": {"enabled": False, "roles": [], "is_admin": True},
            "nickname": None,
        }
    )


def api_root(app, request):
    return json_response(
        {"version": API_VERSION, "docs_url": "https://docs.stackstorm.com/", "server": "st2lite"}
    )
