"""The artifact store interface: where built app packages (tar.gz) are kept, by build key."""


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
