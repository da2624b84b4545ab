"""Artifact stores, chosen by the URL scheme of the pack config's `artifact_store`."""
from qaeci.artifacts.base import ArtifactStore
from qaeci.errors import ArtifactStoreError

__all__ = ["ArtifactStore", "open_store"]

_LATER_SCHEMES = ("swift", "s3")


def open_store(url):
    """An ArtifactStore for URL: file:///path or file://~/path; swift:// and s3:// come later."""
    scheme, separator, rest = (url or "").partition("://")
    if not separator:
        raise ArtifactStoreError("artifact_store %r has no scheme; fix: write file:///path/to/dir"
                                 % (url,))
    if scheme == "file":
        from qaeci.artifacts.file_store import FileStore
        return FileStore(rest)
    if scheme in _LATER_SCHEMES:
        raise ArtifactStoreError("artifact_store scheme %s:// is not supported yet; fix: use a "
                                 "file:// store for now" % scheme)
    raise ArtifactStoreError("artifact_store scheme %s:// is unknown; fix: use file://" % scheme)
