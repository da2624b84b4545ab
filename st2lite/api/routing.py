"""Which handler answers a path, as StackStorm's services and its nginx map them.

A path is first split into its service (`/auth/...`, `/api/...`, `/stream/...` as nginx
routes them, else the listener's own service), then an optional `/v1` and one trailing slash
are dropped, as each StackStorm service serves its spec both at `/` and at `/v1/`.
"""

import re

from st2lite.api.errors import ApiError, not_found

SERVICES = ("auth", "api", "stream")
# StackStorm's API also answers the old name of the executions collection.
ALIASES = (("/actionexecutions", "/executions"),)


class Route(object):
    def __init__(self, method, pattern, handler, authenticated):
        self.method = method
        self.pattern = pattern
        self.handler = handler
        self.authenticated = authenticated
        self.regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")


class Router(object):
    def __init__(self):
        self.routes = dict((service, []) for service in SERVICES)

    def add(self, service, method, pattern, handler, authenticated=True):
        self.routes[service].append(Route(method, pattern, handler, authenticated))

    def resolve(self, service, method, path):
        """(route, path parameters); ApiError 404 or 405 when nothing answers."""
        allowed = []
        for route in self.routes[service]:
            found = route.regex.match(path)
            if found:
                if route.method == method or (method == "HEAD" and route.method == "GET"):
                    return route, found.groupdict()
                allowed.append(route.method)
        if allowed:
            raise ApiError(
                405,
                "The method is not allowed for the requested URL.",
                {"Allow": ", ".join(sorted(set(allowed)))},
            )
        raise not_found()


def split_path(path, default_service):
    """(service, path within the service) for a request path."""
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    service = default_service
    for name in SERVICES:
        prefix = "/" + name + "/"
        if path.startswith(prefix):
            service, path = name, path[len(prefix) - 1 :]
            break
    if path == "/v1" or path.startswith("/v1/"):
        path = path[3:] or "/"
    for old, new in ALIASES:
        if path == old or path.startswith(old + "/"):
            path = new + path[len(old) :]
    return service, path
