"""`/keys`: the datastore, with StackStorm's scopes, secrets and `decrypt`.

st2lite has one user scope shared by every account (see the README's differences); responses
name the caller as its `user`, as StackStorm names the owner.
"""

from st2lite.api.errors import bad_request, not_found
from st2lite.api.http import Response, json_response
from st2lite.api.query import list_response
from st2lite.api.shapes import iso_time
from st2lite.store.datastore import SYSTEM_SCOPE, USER_SCOPE, DatastoreError

FULL_SCOPES = {SYSTEM_SCOPE: "st2kv.system", USER_SCOPE: "st2kv.user"}
SCOPE_NAMES = {
    "system": SYSTEM_SCOPE,
    "st2kv.system": SYSTEM_SCOPE,
    "user": USER_SCOPE,
    "st2kv.user": USER_SCOPE,
}
ALL_SCOPES = ("all", "st2kv.all")


def register(router):
    router.add("api", "GET", "/keys", list_keys)
    router.add("api", "GET", "/keys/{name}", get_key)
    router.add("api", "PUT", "/keys/{name}", set_key)
    router.add("api", "DELETE", "/keys/{name}", delete_key)


def _scope(value, allow_all=False):
    if value is None or value == "":
        return SYSTEM_SCOPE
    if allow_all and value in ALL_SCOPES:
        return None
    if value not in SCOPE_NAMES:
        raise bad_request(
            "Invalid scope: %s. Valid scopes are: %s"
            % (value, ", ".join(sorted(SCOPE_NAMES) + (list(ALL_SCOPES) if allow_all else [])))
        )
    return SCOPE_NAMES[value]


def key_api(pair, user):
    shaped = {
        "id": "%s:%s" % (FULL_SCOPES[pair.scope], pair.name),
        "uid": "key_value_pair:%s:%s" % (FULL_SCOPES[pair.scope], pair.name),
        "name": pair.name,
        "value": pair.value,
        "secret": pair.secret,
        "encrypted": pair.secret,
        "scope": FULL_SCOPES[pair.scope],
    }
    if pair.expire_timestamp:
        shaped["expire_timestamp"] = iso_time(pair.expire_timestamp)
    if pair.scope == USER_SCOPE:
        shaped["user"] = user
    return shaped


def list_keys(app, request):
    scope = _scope(request.query.get("scope"), allow_all=True)
    decrypt = request.flag("decrypt")
    scopes = [scope] if scope else [SYSTEM_SCOPE, USER_SCOPE]
    prefix = request.query.get("prefix") or None
    try:
        pairs = [
            p
            for s in scopes
            for p in app.runtime.datastore.list(prefix=prefix, scope=s, decrypt=decrypt)
        ]
    except DatastoreError as e:
        raise bad_request(str(e)) from e
    return list_response(request, [_shown(p, request, decrypt) for p in pairs])


def _shown(pair, request, decrypt):
    shaped = key_api(pair, request.identity.user)
    if pair.secret and decrypt:
        shaped["encrypted"] = False
    return shaped


def _pair(app, name, scope, decrypt):
    try:
        pair = app.runtime.datastore.get_pair(name, scope=scope, decrypt=decrypt)
    except DatastoreError as e:
        raise bad_request(str(e)) from e
    if pair is None:
        raise not_found('The key "%s" does not exist in the StackStorm datastore.' % name)
    return pair


def get_key(app, request, name):
    decrypt = request.flag("decrypt")
    pair = _pair(app, name, _scope(request.query.get("scope")), decrypt)
    return json_response(_shown(pair, request, decrypt))


def set_key(app, request, name):
    body = request.json()
    value = body.get("value")
    if not isinstance(value, str):
        raise bad_request("'value' is a required property and must be a string")
    scope = _scope(body.get("scope") or request.query.get("scope"))
    ttl = body.get("ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0):
        raise bad_request("ttl must be a positive integer (seconds), got %r" % (ttl,))
    if body.get("encrypted"):
        raise bad_request(
            "st2lite cannot take a value encrypted elsewhere (encrypted: true): "
            "send the plain value with secret: true"
        )
    try:
        pair = app.runtime.datastore.set(
            name, value, scope=scope, ttl=ttl, encrypt=bool(body.get("secret"))
        )
    except DatastoreError as e:
        raise bad_request(str(e)) from e
    return json_response(_shown(pair, request, False))


def delete_key(app, request, name):
    scope = _scope(request.query.get("scope"))
    if not app.runtime.datastore.delete(name, scope=scope):
        raise not_found('The key "%s" does not exist in the StackStorm datastore.' % name)
    return Response(204)
