"""Cross-origin requests, answered as StackStorm's auth, API and stream services answer them
(st2common/middleware/cors.py): every response names one allowed origin, with credentials, so
st2web served from another origin (`python -m http.server 8080` on a checkout's build) can log
in, read `X-Total-Count` and open its stream with the `auth-token` cookie; `OPTIONS`
(a browser's preflight) gets an empty 200 on any path, before credentials are asked for.

As on StackStorm, a request's `Origin` is echoed when it is allowed (any origin with `*`);
otherwise the first allowed origin is named, which the browser then refuses.
"""

# StackStorm's defaults: st2web's gulp server and a plain static server on port 8080.
DEFAULT_ORIGINS = ("http://127.0.0.1:3000", "http://localhost:8080", "http://127.0.0.1:8080")
ANY_ORIGIN = "*"
ALLOWED_METHODS = "GET,POST,PUT,DELETE,OPTIONS"
ALLOWED_HEADERS = "Content-Type,Authorization,X-Auth-Token,St2-Api-Key,X-Request-ID"
EXPOSED_HEADERS = "Content-Type,X-Limit,X-Total-Count,X-Request-ID"


class CorsPolicy(object):
    def __init__(self, extra_origins=()):
        origins = []
        for origin in list(extra_origins) + list(DEFAULT_ORIGINS):
            origin = origin.rstrip("/")
            if origin not in origins:
                origins.append(origin)
        self.origins = origins

    def allowed_origin(self, origin):
        if origin and (origin in self.origins or ANY_ORIGIN in self.origins):
            return origin
        return self.origins[0]

    def headers(self, origin):
        return [
            ("Access-Control-Allow-Origin", self.allowed_origin(origin)),
            ("Access-Control-Allow-Methods", ALLOWED_METHODS),
            ("Access-Control-Allow-Headers", ALLOWED_HEADERS),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
            ("Vary", "Origin"),
        ]
