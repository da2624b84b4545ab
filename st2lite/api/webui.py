"""The history page's static files (`st2lite/api/web/`), served at `/` and `/web/<name>` on
every listener, as StackStorm's nginx serves st2web at `/` beside `/api`, `/auth` and `/stream`.

Only plain files directly in that folder with a known type are served: no listing, and a name
is never joined into a path before it has been found among the folder's own entries, so no
`..` or encoded slash can reach anything else. The page itself holds no data: it reads
everything through the public API with the user's token, so its files need none.
"""

import os

from st2lite.api.errors import not_found
from st2lite.api.http import Response

WEB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "web")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
# The page may talk to its own origin only: nothing is fetched from the network.
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    # revalidated on each load, so an upgraded st2lite serves its new page at once
    ("Cache-Control", "no-cache"),
)


PAGE_PATHS = ("/", "/index.html")
FILE_PREFIX = "/web/"


def page_response(request):
    """The page or one of its files for GET/HEAD of `/`, `/index.html` or `/web/<name>`;
    None for any other request (the API's own routes, `/v1/` and `/api/v1/` among them)."""
    if request.method not in ("GET", "HEAD"):
        return None
    if request.path in PAGE_PATHS:
        return static_file("index.html")
    if request.path.startswith(FILE_PREFIX):
        return static_file(request.path[len(FILE_PREFIX) :])
    return None


def static_file(name):
    extension = os.path.splitext(name)[1]
    if extension not in CONTENT_TYPES or name not in _served_names():
        raise not_found()
    with open(os.path.join(WEB_DIR, name), "rb") as source:
        body = source.read()
    return Response(200, body, CONTENT_TYPES[extension], headers=SECURITY_HEADERS)


def _served_names():
    try:
        return set(entry.name for entry in os.scandir(WEB_DIR) if entry.is_file())
    except FileNotFoundError:
        return set()
