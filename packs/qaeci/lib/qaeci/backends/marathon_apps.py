"""Marathon app definitions of qaeci's apps (RAML `types/app.raml`, Marathon 1.x).

An app runs in a fixed base image for its runtime type (code is never baked into images): the
Mesos fetcher brings the artifact and the environment's rendered config into the sandbox, which
is the container's working directory, from `fetch` URIs of the artifact store
(`store.fetch_url(key, FETCH_URL_SECONDS)`: the fetcher has none of the store's credentials, so
Swift and S3 give signed URLs). The fetcher reads them again whenever Mesos relaunches a task
(a lost agent, a killed task), so they last as long as S3 lets them: an app relaunched later
than that needs a new `env up`. Fetch items are fetched and extracted in order,
so the rendered config lands over the artifact's templates. `destPath` is always set: the fetcher
would keep a signed URL's query string in the file name.

Host networking with one dynamic port: Marathon gives it as PORT0 (and HOST). No Marathon health
checks: a failing app stays as it failed for people to inspect; qaeci checks its own URLs.
"""

import hashlib
import os
import tarfile
import tempfile

from qaeci.backends import marathon_ids
from qaeci.backends.base import BackendError

DEFAULT_IMAGES = {
    "command": "debian:bookworm-slim",
    "python": "python:3.11-slim-bookworm",
    "static": "python:3.11-slim-bookworm",
    "java": "eclipse-temurin:17-jre",
    "tomcat": "tomcat:9-jre17",
}
# Set by Marathon for every task; the spec's own values are the local back end's.
MARATHON_PROVIDED = ("PORT0", "PORT", "PORTS", "HOST")
CONFIG_PREFIX = "marathon-config"
FETCH_URL_SECONDS = 7 * 24 * 3600  # the longest an S3 presigned URL lives (SigV4)
RELEASE_PREFIX = "marathon-releases"


def docker_container(image):
    return {"type": "DOCKER", "docker": {"image": image, "forcePullImage": False}, "volumes": []}


def base_definition(marathon_id, args, image, cpus, mem, instances, environment, labels, fetch):
    definition = {
        "id": marathon_id,
        "args": list(args),
        "instances": int(instances),
        "cpus": float(cpus),
        "mem": float(mem),
        "disk": 0,
        "container": docker_container(image),
        "networks": [{"mode": "host"}],
        "portDefinitions": [{"port": 0, "protocol": "tcp", "name": "http"}],
        "requirePorts": False,
        "env": dict(environment),
        "labels": dict(labels),
    }
    if fetch:
        definition["fetch"] = fetch
    return definition


def fetch_url(store, key):
    """The URL the Mesos fetcher reads KEY from (signed by stores that need it)."""
    return store.fetch_url(key, FETCH_URL_SECONDS)


def fetch_item(uri, dest_path, extract):
    return {
        "uri": uri,
        "extract": extract,
        "executable": False,
        "cache": False,
        "destPath": dest_path,
    }


class AppDefinitions(object):
    """Builds the definition of one app from an AppSpec, uploading what its task fetches."""

    def __init__(self, store, domain, images=None, haproxy_group="external"):
        self.store = store
        self.domain = domain
        self.images = dict(DEFAULT_IMAGES, **(images or {}))
        self.haproxy_group = haproxy_group

    def vhost(self, env, code):
        return "%s.%s.%s" % (marathon_ids.app_segment(code), env, self.domain)

    def image_for(self, runtime):
        image = self.images.get(runtime or "command")
        if not image:
            raise BackendError(
                "no Docker image for runtime type %s; fix: set marathon.images.%s "
                "in the pack config" % (runtime, runtime)
            )
        return image

    def definition(self, spec):
        if not os.path.isdir(spec.workdir):
            raise BackendError(
                "working directory %s of %s.%s does not exist: unpack the "
                "artifact first" % (spec.workdir, spec.env, spec.app)
            )
        fetch, config_hash = self._fetch_items(spec)
        labels = {
            "qaeci.env": spec.env,
            "qaeci.app": spec.app,
            "qaeci.config": config_hash,
            "HAPROXY_GROUP": self.haproxy_group,
            "HAPROXY_0_VHOST": self.vhost(spec.env, spec.app),
        }
        if spec.commit:
            labels["qaeci.commit"] = spec.commit
        environment = {
            key: value for key, value in spec.environment.items() if key not in MARATHON_PROVIDED
        }
        return base_definition(
            marathon_ids.app_id(spec.env, spec.app),
            spec.command,
            self.image_for(spec.runtime),
            spec.cpus,
            spec.mem,
            spec.instances,
            environment,
            labels,
            fetch,
        )

    def _fetch_items(self, spec):
        """(fetch items, hash of the rendered config). With the artifact's key, the artifact
        and a tarball of the rendered config files; without it, the whole release (artifact
        and rendered config as unpacked here) as one tarball."""
        files = [
            path for path in spec.config_files if os.path.isfile(os.path.join(spec.workdir, path))
        ]
        config_hash = _files_hash(spec.workdir, files)
        if spec.artifact_key:
            items = [fetch_item(fetch_url(self.store, spec.artifact_key), "artifact.tar.gz", True)]
            if files:
                key = "%s/%s/%s/%s.tar.gz" % (CONFIG_PREFIX, spec.env, spec.app, config_hash[:16])
                self._upload_tarball(key, spec.workdir, files)
                items.append(fetch_item(fetch_url(self.store, key), "config.tar.gz", True))
            return items, config_hash
        release_hash = _files_hash(spec.workdir, sorted(_files_under(spec.workdir)))
        key = "%s/%s/%s/%s.tar.gz" % (RELEASE_PREFIX, spec.env, spec.app, release_hash[:16])
        self._upload_tarball(key, spec.workdir, sorted(os.listdir(spec.workdir)), recursive=True)
        return [fetch_item(fetch_url(self.store, key), "release.tar.gz", True)], config_hash

    def _upload_tarball(self, key, root, relative_paths, recursive=False):
        if self.store.exists(key):
            return  # named by its content: already there
        handle, path = tempfile.mkstemp(suffix=".tar.gz")
        os.close(handle)
        try:
            with tarfile.open(path, "w:gz") as archive:
                for relative in relative_paths:
                    archive.add(os.path.join(root, relative), arcname=relative, recursive=recursive)
            self.store.put(key, path)
        finally:
            os.unlink(path)

    def upload_text(self, key, text):
        """Put TEXT under KEY (a file the task fetches); its URL."""
        handle, path = tempfile.mkstemp()
        try:
            with os.fdopen(handle, "w") as out:
                out.write(text)
            os.chmod(path, 0o600)
            self.store.put(key, path)
        finally:
            os.unlink(path)
        return fetch_url(self.store, key)


def _files_under(root):
    real_root = os.path.realpath(root)
    for directory, _, files in os.walk(real_root):
        for name in files:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                yield os.path.relpath(path, real_root)


def _files_hash(root, relative_paths):
    digest = hashlib.sha256()
    for relative in sorted(relative_paths):
        digest.update(relative.encode("utf-8") + b"\0")
        with open(os.path.join(root, relative), "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()
