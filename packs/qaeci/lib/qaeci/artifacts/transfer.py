"""What the object stores (Swift, S3) share around their uploads and downloads: the MD5 that
both check against an object's ETag, streaming a download into place, and the short reason of a
network failure (for one-line errors that never repeat a request's headers or secrets)."""

import hashlib
import mimetypes
import os
import re
import tempfile

from qaeci.errors import ArtifactStoreError

CHUNK_SIZE = 1 << 20
# urllib3 and botocore bury the system's reason in a long text: "... [Errno 111] Connection
# refused')" -- the part a user can act on.
_ERRNO_REASON = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def file_md5(path):
    """The MD5 digest of the file at PATH (hashlib object), read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as source:
        for chunk in iter(lambda: source.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest


def content_type(key):
    """The Content-Type to store KEY with: application/gzip for .tar.gz and .tgz."""
    kind, encoding = mimetypes.guess_type(key)
    if encoding == "gzip" or key.endswith(".tgz"):
        return "application/gzip"
    return kind or "application/octet-stream"


def plain_md5_etag(etag):
    """The MD5 hex digest an ETag stands for, or None when the ETag is no plain MD5 (an S3
    multipart upload's `<md5>-<parts>`, a Swift manifest's quoted `"<md5>"` of the segments)."""
    value = (etag or "").strip().strip('"').lower()
    return value if re.match(r"^[0-9a-f]{32}$", value) else None


def write_chunks(chunks, dest, expected_md5, what):
    """Stream CHUNKS into DEST through a temporary file beside it, so DEST appears whole or not
    at all; when EXPECTED_MD5 is known the bytes must match it."""
    directory = os.path.dirname(os.path.abspath(dest))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".download-")
    try:
        digest = hashlib.md5()
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
        if expected_md5 and digest.hexdigest() != expected_md5:
            raise ArtifactStoreError(
                "the download of %s was corrupted (MD5 %s, the store's ETag "
                "says %s); fix: run it again" % (what, digest.hexdigest(), expected_md5)
            )
        os.replace(temporary, dest)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return dest


def failure_reason(error):
    """The system's reason for a network failure (`Connection refused`, `Name or service not
    known`), or the error's class name when it gives none."""
    # botocore keeps the underlying error in .kwargs["error"]; others chain it.
    underlying = (
        error,
        (getattr(error, "kwargs", None) or {}).get("error"),
        error.__cause__,
        error.__context__,
    )
    for candidate in underlying:
        found = _ERRNO_REASON.search(str(candidate)) if candidate is not None else None
        if found:
            return found.group(1).strip()
    return type(error).__name__
