"""An s3:// artifact store: a bucket on AWS S3 or any S3-compatible server (boto3, imported only
when this store is chosen), with presigned GET URLs for readers without credentials.

`s3://BUCKET/prefix`; from the pack config's `artifact_store_auth`: `access_key_id` and
`secret_access_key` (required: the store never falls back to boto3's own search for
credentials), `endpoint_url` (empty for AWS itself) and `region` (default us-east-1)."""

import base64
import contextlib
import os
import threading

from qaeci.artifacts.base import ArtifactStore, object_name
from qaeci.artifacts.transfer import (
    CHUNK_SIZE,
    content_type,
    failure_reason,
    file_md5,
    write_chunks,
)
from qaeci.errors import ArtifactStoreError

TIMEOUT = 60  # seconds to connect, and for each read
DEFAULT_REGION = "us-east-1"
MAX_PRESIGNED_SECONDS = 7 * 24 * 3600  # SigV4 refuses a presigned URL valid for longer
MAX_SINGLE_PUT = 5 * 1024**3  # S3's limit for one PUT (the atomic, MD5-checked upload)
MD5_METADATA = "md5"  # user metadata (x-amz-meta-md5): an ETag is no MD5 under SSE-KMS
CREDENTIAL_CODES = (
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "AuthorizationHeaderMalformed",
)


def _client_config(retries):
    from botocore.config import Config

    options = dict(
        signature_version="s3v4",
        connect_timeout=TIMEOUT,
        read_timeout=TIMEOUT,
        retries={"max_attempts": retries + 1, "mode": "standard"},
    )
    try:
        # botocore >= 1.36 adds CRC checksum headers that S3-compatible servers (Ceph, MinIO,
        # ...) may refuse; the store sends Content-MD5 itself.
        return Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            **options,
        )
    except TypeError:  # an older botocore: it never sends them
        return Config(**options)


class S3Store(ArtifactStore):
    def __init__(self, location, auth=None, retries=3):
        bucket, _, prefix = (location or "").partition("/")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        if not bucket:
            raise ArtifactStoreError(
                "artifact_store s3://%s names no bucket; fix: write "
                "s3://BUCKET or s3://BUCKET/prefix" % location
            )
        self._auth = dict(auth or {})
        missing = [
            name for name in ("access_key_id", "secret_access_key") if not self._auth.get(name)
        ]
        if missing:
            raise ArtifactStoreError(
                "artifact store %s has no artifact_store_auth.%s; fix: set access_key_id and "
                "secret_access_key under artifact_store_auth in configs/qaeci.yaml"
                % (self.url(""), " or .".join(missing))
            )
        endpoint = self._auth.get("endpoint_url") or ""
        if endpoint and not endpoint.startswith(("http://", "https://")):
            raise ArtifactStoreError(
                "artifact_store_auth.endpoint_url %r is no http(s) URL; fix: "
                "write it as https://HOST[:PORT]" % endpoint
            )
        self._retries = retries
        self._client = None
        self._lock = threading.Lock()

    def _s3(self):
        with self._lock:  # a boto3 client is thread-safe; making one is not
            if self._client is None:
                import boto3

                session = boto3.session.Session(
                    aws_access_key_id=self._auth["access_key_id"],
                    aws_secret_access_key=self._auth["secret_access_key"],
                    region_name=self._auth.get("region") or DEFAULT_REGION,
                )
                self._client = session.client(
                    "s3",
                    endpoint_url=self._auth.get("endpoint_url") or None,
                    config=_client_config(self._retries),
                )
            return self._client

    # -- the interface

    def exists(self, key):
        name = object_name(self.url(""), self.prefix, key)
        with self._s3_errors():
            try:
                self._s3().head_object(Bucket=self.bucket, Key=name)
            except self._s3().exceptions.ClientError as error:
                if _status(error) != 404:
                    raise
            else:
                return True
            self._s3().head_bucket(Bucket=self.bucket)  # a missing bucket is an error
        return False

    def put(self, key, path):
        name = object_name(self.url(""), self.prefix, key)
        size = os.path.getsize(path)
        if size > MAX_SINGLE_PUT:
            raise ArtifactStoreError(
                "artifact %s is %d bytes, over S3's 5 GiB limit for one "
                "upload; fix: make the package smaller" % (key, size)
            )
        md5 = file_md5(path)
        with open(path, "rb") as source, self._s3_errors(upload=key):
            # One PUT: the object appears whole or not at all; S3 checks it against Content-MD5.
            self._s3().put_object(
                Bucket=self.bucket,
                Key=name,
                Body=source,
                ContentLength=size,
                ContentMD5=base64.b64encode(md5.digest()).decode("ascii"),
                ContentType=content_type(key),
                Metadata={MD5_METADATA: md5.hexdigest()},
            )

    def get(self, key, dest):
        name = object_name(self.url(""), self.prefix, key)
        with self._s3_errors():
            try:
                reply = self._s3().get_object(Bucket=self.bucket, Key=name)
            except self._s3().exceptions.NoSuchKey:
                pass
            else:
                expected = (reply.get("Metadata") or {}).get(MD5_METADATA)
                return write_chunks(
                    reply["Body"].iter_chunks(CHUNK_SIZE), dest, expected, self.url(key)
                )
        raise ArtifactStoreError(
            "artifact %s is not in the store %s; fix: run env up to build it" % (key, self.url(""))
        )

    def list(self, prefix=""):
        base = self.prefix + "/" if self.prefix else ""
        keys = []
        with self._s3_errors():
            pages = (
                self._s3()
                .get_paginator("list_objects_v2")
                .paginate(Bucket=self.bucket, Prefix=base + prefix)
            )
            for page in pages:
                keys.extend(entry["Key"][len(base) :] for entry in page.get("Contents", []))
        return sorted(keys)

    def url(self, key):
        return "s3://" + "/".join(part for part in (self.bucket, self.prefix, key) if part)

    def fetch_url(self, key, expires):
        """A presigned GET URL, valid for EXPIRES seconds (at most 7 days: SigV4's limit)."""
        name = object_name(self.url(""), self.prefix, key)
        if not 0 < int(expires) <= MAX_PRESIGNED_SECONDS:
            raise ArtifactStoreError(
                "a presigned S3 URL lives 1 to %d seconds, not %s; fix: ask "
                "for at most 7 days" % (MAX_PRESIGNED_SECONDS, expires)
            )
        with self._s3_errors():
            return self._s3().generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": name}, ExpiresIn=int(expires)
            )

    # -- errors

    @contextlib.contextmanager
    def _s3_errors(self, upload=None):
        """botocore's failures as one ArtifactStoreError line each."""
        from botocore import exceptions

        try:
            yield
        except exceptions.ClientError as error:
            raise ArtifactStoreError(self._refusal(error, upload)) from None
        except exceptions.SSLError:
            raise ArtifactStoreError(
                "artifact store %s: the TLS handshake with %s failed; fix: check the "
                "certificate of artifact_store_auth.endpoint_url (or use its http:// URL)"
                % (self.url(""), self._endpoint())
            ) from None
        except (exceptions.EndpointConnectionError, exceptions.ConnectTimeoutError) as error:
            raise ArtifactStoreError(
                "artifact store %s cannot reach S3 at %s (%s); fix: check "
                "artifact_store_auth.endpoint_url and that the S3 server is up"
                % (self.url(""), self._endpoint(), failure_reason(error))
            ) from None
        except exceptions.BotoCoreError as error:
            raise ArtifactStoreError(
                "artifact store %s: the exchange with S3 at %s failed (%s); fix: run it again"
                % (self.url(""), self._endpoint(), failure_reason(error))
            ) from None

    def _refusal(self, error, upload):
        code, status, store = _code(error), _status(error), self.url("")
        key_id = self._auth["access_key_id"]
        if code == "NoSuchBucket" or (status == 404 and code in ("404", "NotFound")):
            return (
                "artifact store %s: the bucket %r does not exist at %s; fix: create it (aws "
                "s3 mb s3://%s) or correct artifact_store"
                % (store, self.bucket, self._endpoint(), self.bucket)
            )
        if code in CREDENTIAL_CODES:
            return (
                "artifact store %s: S3 at %s refused access key %r (%s); fix: correct "
                "artifact_store_auth.access_key_id and secret_access_key"
                % (store, self._endpoint(), key_id, code)
            )
        if status == 403:
            return (
                "artifact store %s: S3 at %s refused access key %r on bucket %r (%s: a wrong "
                "secret or no permission); fix: correct artifact_store_auth's keys, or grant "
                "them s3:GetObject, s3:PutObject and s3:ListBucket on the bucket"
                % (store, self._endpoint(), key_id, self.bucket, code)
            )
        if code in ("BadDigest", "InvalidDigest") and upload:
            return (
                "artifact store %s: S3 refused the upload of %s: the bytes it received do "
                "not match their MD5 (%s); fix: run it again" % (store, upload, code)
            )
        return (
            "artifact store %s: S3 at %s answered %s %s; fix: check the S3 server's health, "
            "then run it again" % (store, self._endpoint(), status, code)
        )

    def _endpoint(self):
        return self._auth.get("endpoint_url") or "AWS (region %s)" % (
            self._auth.get("region") or DEFAULT_REGION
        )


def _code(error):
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error):
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
