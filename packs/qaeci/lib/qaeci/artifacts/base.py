"""The artifact store interface: where built app packages (tar.gz) are kept, by build key."""

import posixpath

from qaeci.errors import ArtifactStoreError


class ArtifactStore(object):
    """Keys are relative names such as `web/<commit>-<recipe>.tar.gz`."""

    def exists(self, key):
        raise NotImplementedError

    def put(self, key, path):
        """Upload the local file PATH under KEY (atomically: readers never see half a file)."""
        raise NotImplementedError

    def get(self, key, dest):
        """Download KEY to the local file DEST."""
        raise NotImplementedError

    def local_path(self, key):
        """A path to read KEY in place, or None when it must be downloaded with get (the
        default: only a store on this machine's file system can offer one)."""
        return None

    def list(self, prefix=""):
        """Keys starting with PREFIX, sorted."""
        raise NotImplementedError

    def url(self, key):
        """Where KEY lives, as a URL."""
        raise NotImplementedError

    def fetch_url(self, key, expires):
        """A URL from which a reader without the store's credentials (the Mesos fetcher) can
        download KEY for the next EXPIRES seconds."""
        raise NotImplementedError


def object_name(store_url, prefix, key):
    """KEY's object name in a bucket or container whose store keeps everything under PREFIX;
    a key that is empty, absolute or holds '.'/'..' segments is refused, as the file store
    refuses keys that leave its directory."""
    segments = (key or "").split("/")
    if not key or key.startswith("/") or any(s in ("", ".", "..") for s in segments):
        raise ArtifactStoreError(
            "artifact key %r is not a plain relative name (in %s); fix: use "
            "a key such as app/commit-recipe.tar.gz, without '..' or "
            "empty segments" % (key, store_url)
        )
    return posixpath.join(prefix, key) if prefix else key
