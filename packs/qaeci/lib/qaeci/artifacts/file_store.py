"""A file:// artifact store: a directory, written atomically (temporary file + rename)."""

import os
import shutil
import tempfile

from qaeci.artifacts.base import ArtifactStore
from qaeci.errors import ArtifactStoreError


class FileStore(ArtifactStore):
    def __init__(self, root):
        self.root = os.path.abspath(os.path.expanduser(root))
        os.makedirs(self.root, exist_ok=True)

    def _path(self, key):
        path = os.path.normpath(os.path.join(self.root, key))
        if not key or os.path.isabs(key) or not path.startswith(self.root + os.sep):
            raise ArtifactStoreError(
                "artifact key %r leaves the store; fix: use a relative key without '..'" % (key,)
            )
        return path

    def exists(self, key):
        return os.path.isfile(self._path(key))

    def put(self, key, path):
        target = self._path(key)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out, open(path, "rb") as source:
                shutil.copyfileobj(source, out)
            os.replace(temporary, target)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def get(self, key, dest):
        source = self._path(key)
        if not os.path.isfile(source):
            raise ArtifactStoreError(
                "artifact %s is not in the store %s; fix: run env up to "
                "build it" % (key, self.url(""))
            )
        os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
        shutil.copyfile(source, dest)
        return dest

    def local_path(self, key):
        path = self._path(key)
        return path if os.path.isfile(path) else None

    def list(self, prefix=""):
        keys = []
        for directory, _, files in os.walk(self.root):
            for name in files:
                if name.startswith(".upload-"):
                    continue
                key = os.path.relpath(os.path.join(directory, name), self.root)
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def url(self, key):
        return "file://" + (self._path(key) if key else self.root)

    def fetch_url(self, key, expires):
        """The file:// URL itself (it never expires): a fetcher reads it only where this
        directory is mounted too, as on a single machine or a shared file system."""
        return self.url(key)
