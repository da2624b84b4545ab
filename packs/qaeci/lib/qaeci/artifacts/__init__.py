"""Artifact stores, chosen by the URL scheme of the pack config's `artifact_store`, with their
credentials from `artifact_store_auth`. Each store's client library (boto3, swiftclient) is
imported only when that store is chosen."""

from qaeci.artifacts.base import ArtifactStore
from qaeci.errors import ArtifactStoreError

__all__ = ["ArtifactStore", "open_store", "store_for"]

SCHEMES = ("file", "swift", "s3")


def open_store(url, auth=None, **options):
    """An ArtifactStore for URL: file:///path (or file://~/path), swift://CONTAINER[/prefix]
    or s3://BUCKET[/prefix]; AUTH holds the credentials of a swift:// or s3:// store. OPTIONS go
    to the remote stores (retries)."""
    scheme, separator, rest = (url or "").partition("://")
    if not separator:
        raise ArtifactStoreError(
            "artifact_store %r has no scheme; fix: write file:///path/to/dir, "
            "swift://CONTAINER/prefix or s3://BUCKET/prefix" % (url,)
        )
    if scheme == "file":
        from qaeci.artifacts.file_store import FileStore

        return FileStore(rest)
    if scheme == "swift":
        from qaeci.artifacts.swift_store import SwiftStore

        return SwiftStore(rest, auth, **options)
    if scheme == "s3":
        from qaeci.artifacts.s3_store import S3Store

        return S3Store(rest, auth, **options)
    raise ArtifactStoreError(
        "artifact_store scheme %s:// is unknown; fix: use one of %s"
        % (scheme, ", ".join(s + "://" for s in SCHEMES))
    )


def store_for(config):
    """The store a PackConfig names (artifact_store with its artifact_store_auth)."""
    return open_store(config.artifact_store, config.artifact_store_auth)
