"""An OpenStack Swift double: a real HTTP server on loopback that speaks the part of Swift's v1
API the swift:// artifact store and the Mesos fetcher use.

- `GET /auth/v1.0` (TempAuth: X-Auth-User `account:user`, X-Auth-Key) -> 200 with X-Auth-Token,
  X-Storage-Token, X-Storage-Url, X-Auth-Token-Expires; 401 otherwise
  (openstack/swift swift/common/middleware/tempauth.py `handle_get_token`).
- `GET /info` -> the tempurl middleware's registered info (tempurl.py `filter_factory`).
- `HEAD`/`POST /v1/ACCOUNT` -> 204; POST sets X-Account-Meta-* (the temp URL keys).
- `GET /v1/ACCOUNT/CONTAINER?format=json&prefix=&marker=&limit=` -> 200 listing, 204 when no
  (more) objects, 404 for no container (api-ref storage-container-services.inc and
  samples/objects-list-response.json); `HEAD` on a container -> 204/404.
- `PUT`/`GET`/`HEAD /v1/ACCOUNT/CONTAINER/OBJECT`: 201 with the MD5 ETag (422 when the request's
  ETag disagrees with the body, 411 without a length), 200, 404.
- Temp URLs: `temp_url_sig`/`temp_url_expires` checked as tempurl.py does (digest chosen by
  the signature's form, HMAC over `METHOD\\nexpires\\npath`, account keys -key and -key-2, HEAD
  accepted for a GET/PUT/POST signature); 401 `Temp URL invalid` on a bad or expired one.

Status lines, header sets and bodies come from ../shared/payloads/swift/ (the recorded heads
are templates: their per-object values are replaced by the stored object's); the 401 and 422
HTML bodies, which that set lacks, are swob's (swift/common/swob.py RESPONSE_REASONS)."""

import base64
import binascii
import calendar
import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAYLOADS = os.path.join(REPO, os.pardir, "shared", "payloads", "swift")
SWOB_BODIES = {
    401: "<html><h1>Unauthorized</h1><p>This server could not verify that you are authorized "
    "to access the document you requested.</p></html>",
    411: "<html><h1>Length Required</h1><p>Content-Length header required.</p></html>",
    422: "<html><h1>Unprocessable Entity</h1><p>Unable to process the contained "
    "instructions</p></html>",
}
PER_RESPONSE = ("date", "x-trans-id", "x-openstack-request-id", "content-length")
PER_OBJECT = ("last-modified", "etag", "x-timestamp", "content-type", "x-delete-at")
DIGEST_BY_HEX_LENGTH = {40: "sha1", 64: "sha256", 128: "sha512"}
ISO8601 = "%Y-%m-%dT%H:%M:%SZ"


class Head(object):
    """A recorded response: status, headers in their order, and body."""

    def __init__(self, name):
        with open(os.path.join(PAYLOADS, name), "rb") as recorded:
            head, _, body = recorded.read().partition(b"\r\n\r\n")
        lines = head.decode("ascii").split("\r\n")
        _, status, self.reason = lines[0].split(" ", 2)
        self.status = int(status)
        self.headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
        # A body written as "<N bytes of body>" stands for the object's bytes.
        self.body = b"" if body.startswith(b"<") and body.rstrip().endswith(b"of body>") else body

    def header(self, name):
        return next(value for key, value in self.headers if key.lower() == name.lower())


TEMPURL = json.load(open(os.path.join(PAYLOADS, "tempurl.json")))
OBJECT_GET = Head("object_get_response_200.txt")
OBJECT_PUT = Head("object_put_response_201.txt")
NOT_FOUND = Head("object_get_404.txt")
TEMPURL_GET = Head("tempurl_get_response_head.txt")
TEMPURL_INVALID = Head("tempurl_401_response.txt")


class StoredObject(object):
    def __init__(self, data, content_type, meta):
        self.data, self.content_type, self.meta = data, content_type, meta
        self.etag = hashlib.md5(data).hexdigest()
        self.timestamp = time.time()


class SwiftDouble(object):
    """One account (`AUTH_qa` as in the payloads) with its containers, on 127.0.0.1."""

    def __init__(
        self,
        account="AUTH_qa",
        user="qa:tester",
        key="testing",
        containers=("artifacts",),
        temp_url_key=None,
        allowed_digests=("sha1", "sha256", "sha512"),
        listing_limit=10000,
    ):
        self.account, self.user, self.key = account, user, key
        self.containers = dict((name, {}) for name in containers)
        self.account_meta = {}
        if temp_url_key:
            self.account_meta["x-account-meta-temp-url-key"] = temp_url_key
        self.allowed_digests = list(allowed_digests)
        self.listing_limit = listing_limit
        self.tokens = set()
        self.damage_next_upload = False  # flip a byte of the next PUT body, as a bad link would
        self.requests = []  # (method, path, lower-cased headers) of every request, for the tests
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    @property
    def auth_url(self):
        return self.base_url + "/auth/v1.0"

    @property
    def storage_url(self):
        return "%s/v1/%s" % (self.base_url, self.account)

    def issue_token(self):
        token = "AUTH_tk" + uuid.uuid4().hex
        with self._lock:
            self.tokens.add(token)
        return token

    def revoke_tokens(self):
        """Every token expires at once (as after Swift's token lifetime)."""
        with self._lock:
            self.tokens.clear()

    def corrupt(self, container, name):
        """Flip the stored object's first byte, keeping its ETag: a download must notice."""
        stored = self.containers[container][name]
        stored.data = bytes([stored.data[0] ^ 0xFF]) + stored.data[1:]

    def temp_url_keys(self):
        return [
            self.account_meta[header.lower()]
            for header in TEMPURL["key_headers"]["account"]
            if self.account_meta.get(header.lower())
        ]


def _handler_for(swift):

    class Handler(SwiftRequest):
        double = swift

    return Handler


class SwiftRequest(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    double = None
    body_read = False

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._route()

    def do_HEAD(self):
        self._route()

    def do_PUT(self):
        self._route()

    def do_POST(self):
        self._route()

    # -- routing

    def _route(self):
        self.body_read = False  # one handler serves every request of a kept-alive connection
        parts = urlsplit(self.path)
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.object_path = unquote(parts.path)
        self.double.requests.append(
            (self.command, self.object_path, dict((k.lower(), v) for k, v in self.headers.items()))
        )
        if self.object_path == "/auth/v1.0":
            return self._auth()
        if self.object_path == "/info":
            return self._info()
        segments = self.object_path.split("/", 4)
        if len(segments) < 3 or segments[1] != "v1" or segments[2] != self.double.account:
            return self._send(
                404,
                NOT_FOUND.reason,
                [("Content-Type", "text/html; charset=UTF-8")],
                NOT_FOUND.body,
            )
        container = segments[3] if len(segments) > 3 else ""
        name = segments[4] if len(segments) > 4 else ""
        if "temp_url_sig" in self.query or "temp_url_expires" in self.query:
            if not (name and self._temp_url_valid()):
                return self._temp_url_invalid()
            self.temp_url = True
        elif self.headers.get("X-Auth-Token") not in self.double.tokens:
            return self._unauthorized()
        else:
            self.temp_url = False
        if not container:
            return self._account()
        if container not in self.double.containers:
            return self._not_found()
        if not name:
            return self._container(container)
        return self._object(container, name)

    # -- auth and info

    def _auth(self):
        user, key = self.headers.get("X-Auth-User"), self.headers.get("X-Auth-Key")
        if user != self.double.user or key != self.double.key:
            realm = user.split(":")[0] if user and ":" in user else "unknown"
            return self._send(
                401,
                "Unauthorized",
                [
                    ("Www-Authenticate", 'Swift realm="%s"' % realm),
                    ("Content-Type", "text/html; charset=UTF-8"),
                ],
                SWOB_BODIES[401].encode(),
            )
        token = self.double.issue_token()
        self._send(
            200,
            "OK",
            [
                ("X-Auth-Token", token),
                ("X-Storage-Token", token),
                ("X-Auth-Token-Expires", "86399"),
                ("X-Storage-Url", self.double.storage_url),
                ("Content-Type", "text/html; charset=UTF-8"),
            ],
            b"",
        )

    def _info(self):
        tempurl = {
            "methods": TEMPURL["methods_default"],
            "allowed_digests": sorted(self.double.allowed_digests),
        }
        deprecated = sorted(
            set(self.double.allowed_digests) & set(TEMPURL["allowed_digests"]["deprecated"])
        )
        if deprecated:
            tempurl["deprecated_digests"] = deprecated
        body = json.dumps({"swift": {"version": "2.35.0"}, "tempurl": tempurl}).encode()
        self._send(200, "OK", [("Content-Type", "application/json; charset=UTF-8")], body)

    # -- account and container

    def _account(self):
        if self.command == "POST":
            for header, value in self.headers.items():
                if header.lower().startswith("x-account-meta-"):
                    self.double.account_meta[header.lower()] = value
        elif self.command != "HEAD":
            return self._send(405, "Method Not Allowed", [], b"")
        objects = [o for c in self.double.containers.values() for o in c.values()]
        headers = [("Content-Type", "text/html; charset=UTF-8")]
        if self.command == "HEAD":
            headers += [
                ("X-Account-Container-Count", str(len(self.double.containers))),
                ("X-Account-Object-Count", str(len(objects))),
                ("X-Account-Bytes-Used", str(sum(len(o.data) for o in objects))),
                ("X-Timestamp", "1389453423.35964"),
            ]
            headers += [(h.title(), v) for h, v in sorted(self.double.account_meta.items())]
        self._send(204, "No Content", headers, b"")

    def _container(self, container):
        objects = self.double.containers[container]
        headers = [
            ("X-Container-Object-Count", str(len(objects))),
            ("X-Container-Bytes-Used", str(sum(len(o.data) for o in objects.values()))),
            ("X-Timestamp", "1389727543.65372"),
        ]
        if self.command == "HEAD":
            return self._send(204, "No Content", headers, b"")
        prefix = self._param("prefix", "")
        marker = self._param("marker", "")
        limit = min(int(self._param("limit", self.double.listing_limit)), self.double.listing_limit)
        names = [n for n in sorted(objects) if n.startswith(prefix) and n > marker][:limit]
        if not names:
            return self._send(204, "No Content", headers, b"")
        listing = [
            {
                "hash": objects[n].etag,
                "last_modified": _iso(objects[n].timestamp),
                "bytes": len(objects[n].data),
                "name": n,
                "content_type": objects[n].content_type,
            }
            for n in names
        ]
        self._send(
            200,
            "OK",
            headers
            + [("Accept-Ranges", "bytes"), ("Content-Type", "application/json; charset=utf-8")],
            json.dumps(listing).encode(),
        )

    def _param(self, name, default):
        return self.query.get(name, [default])[0]

    # -- objects

    def _object(self, container, name):
        if self.command == "PUT":
            return self._put(container, name)
        stored = self.double.containers[container].get(name)
        if stored is None:
            return self._not_found()
        template = TEMPURL_GET if self.temp_url else OBJECT_GET
        values = {
            "content-length": str(len(stored.data)),
            "etag": stored.etag,
            "last-modified": formatdate(stored.timestamp, usegmt=True),
            "x-timestamp": "%.5f" % stored.timestamp,
            "content-type": stored.content_type,
        }
        if self.temp_url:
            filename = os.path.basename(name)
            values["content-disposition"] = "attachment; filename=\"%s\"; filename*=UTF-8''%s" % (
                filename,
                filename,
            )
            values["expires"] = formatdate(self.expires, usegmt=True)
        headers = _fill(template, values) + sorted(stored.meta.items())
        self._send(template.status, template.reason, headers, stored.data, length=len(stored.data))

    def _put(self, container, name):
        if "Content-Length" not in self.headers:
            return self._send(
                411,
                "Length Required",
                [("Content-Type", "text/html; charset=UTF-8")],
                SWOB_BODIES[411].encode(),
            )
        data = self.rfile.read(int(self.headers["Content-Length"]))
        self.body_read = True
        if self.double.damage_next_upload and data:
            self.double.damage_next_upload = False
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        md5 = hashlib.md5(data).hexdigest()
        expected = (self.headers.get("ETag") or "").strip('"')
        if expected and expected != md5:
            return self._send(
                422,
                "Unprocessable Entity",
                [("Content-Type", "text/html; charset=UTF-8")],
                SWOB_BODIES[422].encode(),
            )
        meta = [
            (h.title(), v)
            for h, v in self.headers.items()
            if h.lower().startswith("x-object-meta-")
        ]
        stored = StoredObject(
            data, self.headers.get("Content-Type") or "application/octet-stream", dict(meta)
        )
        self.double.containers[container][name] = stored  # whole, at once: readers see old or new
        self._send(
            OBJECT_PUT.status,
            OBJECT_PUT.reason,
            _fill(
                OBJECT_PUT,
                {
                    "etag": stored.etag,
                    "content-length": "0",
                    "last-modified": formatdate(stored.timestamp, usegmt=True),
                    "content-type": OBJECT_PUT.header("Content-Type"),
                },
            ),
            b"",
        )

    # -- temp URLs (tempurl.py's checks, in its order)

    def _temp_url_valid(self):
        signature = self._param("temp_url_sig", "")
        self.expires = _expires(self._param("temp_url_expires", ""))
        if not signature or not self.expires:
            return False
        digest, signature = _digest_and_signature(signature)
        keys = self.double.temp_url_keys()
        if digest not in self.double.allowed_digests or not keys:
            return False
        methods = ("HEAD", "GET", "POST", "PUT") if self.command == "HEAD" else (self.command,)
        for key in keys:
            for method in methods:
                body = "%s\n%d\n%s" % (method, self.expires, self.object_path)
                mac = hmac.new(key.encode(), body.encode(), digest).hexdigest()
                if hmac.compare_digest(mac, signature):
                    return True
        return False

    # -- responses

    def _unauthorized(self):
        self._send(
            401,
            "Unauthorized",
            [
                ("Content-Type", "text/html; charset=UTF-8"),
                ("Www-Authenticate", 'Swift realm="%s"' % self.double.account),
            ],
            SWOB_BODIES[401].encode(),
        )

    def _temp_url_invalid(self):
        self._send(
            TEMPURL_INVALID.status,
            TEMPURL_INVALID.reason,
            _fill(TEMPURL_INVALID, {}),
            TEMPURL_INVALID.body,
        )

    def _not_found(self):
        self._send(NOT_FOUND.status, NOT_FOUND.reason, _fill(NOT_FOUND, {}), NOT_FOUND.body)

    def _send(self, status, reason, headers, body, length=None):
        if self.command == "PUT" and not self.body_read and "Content-Length" in self.headers:
            self.rfile.read(int(self.headers["Content-Length"]))  # keep the connection usable
        self.send_response_only(status, reason)
        transaction = "tx%s-%08x" % (uuid.uuid4().hex[:21], int(time.time()))
        for header, value in headers:
            if header.lower() not in PER_RESPONSE:
                self.send_header(header, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("X-Trans-Id", transaction)
        self.send_header("X-Openstack-Request-Id", transaction)
        self.send_header("Date", formatdate(usegmt=True))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _fill(template, values):
    """TEMPLATE's headers in their order, per-object ones replaced by VALUES (or dropped when
    VALUES has none: another object's metadata), the others as recorded."""
    headers = []
    for header, recorded in template.headers:
        name = header.lower()
        if name in values:
            headers.append((header, values[name]))
        elif (
            name not in PER_OBJECT
            and not name.startswith("x-object-meta-")
            and name not in ("content-disposition", "expires")
        ):
            headers.append((header, recorded))
    return headers


def _digest_and_signature(signature):
    """tempurl.py's extract_digest_and_algorithm: `algo:base64` or hex whose length names it."""
    if ":" in signature:
        digest, _, encoded = signature.partition(":")
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            return None, ""
        return digest, binascii.hexlify(raw).decode()
    return DIGEST_BY_HEX_LENGTH.get(len(signature)), signature


def _expires(value):
    """tempurl.py's normalize_temp_url_expires: an int or ISO 8601 time, 0 once past."""
    try:
        expires = int(value)
    except ValueError:
        try:
            expires = calendar.timegm(time.strptime(value, ISO8601))
        except ValueError:
            expires = 0
    return expires if expires >= time.time() else 0


def _iso(timestamp):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp)) + (
        ".%06d" % int((timestamp % 1) * 1000000)
    )
