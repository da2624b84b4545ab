"""A swift:// artifact store: an OpenStack Swift container (python-swiftclient, imported only
when this store is chosen), with temp URLs for readers without credentials (the Mesos fetcher).

`swift://CONTAINER/prefix`; credentials from the pack config's `artifact_store_auth`: either
`auth_url` + `user` (`account:user`) + `key` (TempAuth v1.0), or `storage_url` + `token`.
Temp URLs are signed with `temp_url_key`, or else with the account's own
X-Account-Meta-Temp-URL-Key."""

import contextlib
import os
import threading
import time
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from qaeci.artifacts.base import ArtifactStore, object_name
from qaeci.artifacts.transfer import (
    CHUNK_SIZE,
    content_type,
    failure_reason,
    file_md5,
    plain_md5_etag,
    write_chunks,
)
from qaeci.errors import ArtifactStoreError

TIMEOUT = 60  # seconds for one HTTP request to connect (and for each read)
TEMP_URL_KEY_HEADERS = ("x-account-meta-temp-url-key", "x-account-meta-temp-url-key-2")
# Digests by preference; sha1 is what a cluster without `allowed_digests` accepts.
PREFERRED_DIGESTS = ("sha256", "sha512", "sha1")


def _swiftclient():
    import swiftclient
    import swiftclient.client

    # swiftclient logs failed requests at INFO with the first characters of tokens and keys;
    # 0 keeps only the "..." (a secret never reaches a log).
    swiftclient.client.logger_settings["reveal_sensitive_prefix"] = 0
    return swiftclient


class SwiftStore(ArtifactStore):
    def __init__(self, location, auth=None, retries=3):
        container, _, prefix = (location or "").partition("/")
        self.container, self.prefix = container, prefix.strip("/")
        if not container:
            raise ArtifactStoreError(
                "artifact_store swift://%s names no container; fix: write "
                "swift://CONTAINER or swift://CONTAINER/prefix" % location
            )
        self._auth = dict(auth or {})
        self._options = self._connection_options(retries)
        self._local = threading.local()  # a swiftclient Connection is not thread-safe
        self._signing = None  # (temp URL key, digest) once known

    def _connection_options(self, retries):
        auth = self._auth
        common = dict(retries=retries, starting_backoff=1, timeout=TIMEOUT)
        if auth.get("token") or auth.get("storage_url"):
            self._require("storage_url", "token")
            return dict(common, preauthurl=auth["storage_url"], preauthtoken=auth["token"])
        self._require("auth_url", "user", "key")
        return dict(
            common, authurl=auth["auth_url"], user=auth["user"], key=auth["key"], auth_version="1"
        )

    def _require(self, *names):
        missing = [name for name in names if not self._auth.get(name)]
        if missing:
            raise ArtifactStoreError(
                "artifact store %s has no artifact_store_auth.%s; fix: set auth_url, user "
                "(account:user) and key, or storage_url and token, under artifact_store_auth in "
                "configs/qaeci.yaml" % (self.url(""), " or .".join(missing))
            )

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = _swiftclient().Connection(**self._options)
            self._local.connection = connection
        return connection

    # -- the interface

    def exists(self, key):
        name = object_name(self.url(""), self.prefix, key)
        with self._swift_errors():
            try:
                self._connection().head_object(self.container, name)
            except _swiftclient().ClientException as error:
                if error.http_status != 404:
                    raise
            else:
                return True
        self._require_container()
        return False

    def put(self, key, path):
        name = object_name(self.url(""), self.prefix, key)
        md5 = file_md5(path).hexdigest()
        with open(path, "rb") as source, self._swift_errors(upload=key):
            # Swift stores an object whole or not at all, and checks the body against ETag.
            etag = self._connection().put_object(
                self.container,
                name,
                source,
                content_length=os.path.getsize(path),
                etag=md5,
                chunk_size=CHUNK_SIZE,
                content_type=content_type(key),
            )
        if plain_md5_etag(etag) != md5:
            raise ArtifactStoreError(
                "Swift stored %s with ETag %s, not the MD5 %s of %s; fix: "
                "run it again" % (self.url(key), etag, md5, path)
            )

    def get(self, key, dest):
        name = object_name(self.url(""), self.prefix, key)
        with self._swift_errors():
            try:
                headers, body = self._connection().get_object(
                    self.container, name, resp_chunk_size=CHUNK_SIZE
                )
            except _swiftclient().ClientException as error:
                if error.http_status != 404:
                    raise
            else:
                return write_chunks(body, dest, plain_md5_etag(headers.get("etag")), self.url(key))
        self._require_container()
        raise ArtifactStoreError(
            "artifact %s is not in the store %s; fix: run env up to build it" % (key, self.url(""))
        )

    def list(self, prefix=""):
        base = self.prefix + "/" if self.prefix else ""
        with self._swift_errors():
            _, objects = self._connection().get_container(
                self.container, prefix=base + prefix, full_listing=True
            )
        return sorted(entry["name"][len(base) :] for entry in objects)

    def url(self, key):
        path = "/".join(part for part in (self.container, self.prefix, key) if part)
        return "swift://" + path

    def fetch_url(self, key, expires):
        """A GET temp URL, valid for EXPIRES seconds. The Mesos fetcher names its download after
        the URL's last segment query string included: give Marathon's fetch a destPath."""
        name = object_name(self.url(""), self.prefix, key)
        temp_url_key, digest = self._temp_url_signing()
        return signed_temp_url(
            self._storage_url(),
            self.container,
            name,
            temp_url_key,
            digest,
            int(time.time()) + int(expires),
        )

    # -- temp URLs

    def _storage_url(self):
        connection = self._connection()
        if not connection.url:
            with self._swift_errors():
                connection.get_auth()
        return connection.url

    def _temp_url_signing(self):
        if self._signing is None:
            self._signing = (self._temp_url_key(), self._temp_url_digest())
        return self._signing

    def _temp_url_key(self):
        if self._auth.get("temp_url_key"):
            return self._auth["temp_url_key"]
        with self._swift_errors():
            headers = self._connection().head_account()
        for header in TEMP_URL_KEY_HEADERS:
            if headers.get(header):
                return headers[header]
        raise ArtifactStoreError(
            "artifact store %s cannot sign temp URLs: the Swift account has no Temp-URL-Key; "
            "fix: set one (swift post -m Temp-URL-Key:SECRET) or set "
            "artifact_store_auth.temp_url_key" % self.url("")
        )

    def _temp_url_digest(self):
        """The best digest the cluster's tempurl middleware allows, from GET /info."""
        with self._swift_errors():
            try:
                info = self._connection().get_capabilities()
            except _swiftclient().ClientException:
                return PREFERRED_DIGESTS[0]  # /info is hidden (expose_info = false): the default
        if "tempurl" not in info:
            raise ArtifactStoreError(
                "artifact store %s cannot hand out temp URLs: the Swift cluster has no tempurl "
                "middleware; fix: add tempurl to the proxy pipeline" % self.url("")
            )
        allowed = info["tempurl"].get("allowed_digests") or ["sha1"]
        return next((name for name in PREFERRED_DIGESTS if name in allowed), "sha1")

    # -- errors

    def _require_container(self):
        with self._swift_errors():
            self._connection().head_container(self.container)

    @contextlib.contextmanager
    def _swift_errors(self, upload=None):
        """swiftclient's and requests' failures as one ArtifactStoreError line each."""
        swiftclient = _swiftclient()
        from requests.exceptions import RequestException, SSLError

        try:
            yield
        except swiftclient.ClientException as error:
            raise ArtifactStoreError(self._refusal(error, upload)) from None
        except SSLError:
            raise ArtifactStoreError(
                "artifact store %s: the TLS handshake with %s failed; fix: check the "
                "certificate of the Swift endpoint (or use its http:// URL)"
                % (self.url(""), self._endpoint())
            ) from None
        except RequestException as error:
            raise ArtifactStoreError(
                "artifact store %s cannot reach Swift at %s (%s); fix: check %s and that Swift "
                "is up"
                % (self.url(""), self._endpoint(), failure_reason(error), self._endpoint_option())
            ) from None

    def _refusal(self, error, upload):
        status, store = error.http_status, self.url("")
        if status == 401:
            if self._auth.get("token"):
                return (
                    "artifact store %s: Swift refused the token (401); fix: renew "
                    "artifact_store_auth.token" % store
                )
            return (
                "artifact store %s: the Swift auth at %s refused user %r (401); fix: correct "
                "artifact_store_auth.user and key"
                % (store, self._auth["auth_url"], self._auth["user"])
            )
        if status == 403:
            return (
                "artifact store %s: Swift forbids this account the container %r (403); fix: "
                "grant it access (swift post --read-acl/--write-acl) or use a container "
                "of its own" % (store, self.container)
            )
        if status == 404:
            return (
                "artifact store %s: the container %r does not exist; fix: create it (swift "
                "post %s) or correct artifact_store" % (store, self.container, self.container)
            )
        if status == 422 and upload:
            return (
                "artifact store %s: Swift refused the upload of %s: the bytes it received do "
                "not match their MD5 (422); fix: run it again" % (store, upload)
            )
        return (
            "artifact store %s: Swift answered %s %s to %s; fix: check the Swift cluster's "
            "health, then run it again"
            % (store, status, error.http_reason or error.msg, error.http_path or "a request")
        )

    def _endpoint(self):
        connection = getattr(self._local, "connection", None)
        return (
            (connection and connection.url)
            or self._auth.get("storage_url")
            or self._auth.get("auth_url")
        )

    def _endpoint_option(self):
        connection = getattr(self._local, "connection", None)
        if self._auth.get("storage_url"):
            return "artifact_store_auth.storage_url"
        if connection is not None and connection.url:
            return "the storage URL Swift's auth hands out"
        return "artifact_store_auth.auth_url"


def signed_temp_url(storage_url, container, name, key, digest, expires_at):
    """The GET temp URL of CONTAINER/NAME under STORAGE_URL that Swift's tempurl middleware
    accepts until EXPIRES_AT (a Unix time): its HMAC is over `GET\\n<expires>\\n<path>`, the path
    as Swift sees it (unquoted), while the URL carries the path quoted."""
    from swiftclient.utils import generate_temp_url

    scheme, netloc, account_path, _, _ = urlsplit(storage_url)
    path = "%s/%s/%s" % (unquote(account_path).rstrip("/"), container, name)
    signed_path, _, query = generate_temp_url(
        path, expires_at, key, "GET", absolute=True, digest=digest
    ).partition("?")
    return urlunsplit((scheme, netloc, quote(signed_path), query, ""))
