"""The pack config (configs/qaeci.yaml) with DESIGN.md section 6's defaults, and the back end."""

import os

from qaeci import cluster_config
from qaeci.errors import ConfigError

DEFAULTS = {
    "backend": "local",
    "work_dir": "~/.local/state/qaeci",
    "artifact_store": "file://~/.local/state/qaeci/artifacts",
    "artifact_store_auth": {},
    "domain": "localhost",
    "router_port": 8080,
    "build_concurrency": 4,
    "clusters": {},
    "marathon": {},
    "links": {},
}


def _local_backend(config, store):
    # A plain import, not importlib: readers of static imports (st2lite's fork server, which
    # preloads what an action imports) then see what a back end needs.
    from qaeci.backends.local import LocalBackend

    return LocalBackend(config.work_dir, config.domain, config.router_port, store)


def _marathon_backend(config, store):
    from qaeci.backends.marathon import MarathonBackend

    return MarathonBackend.from_config(config, store)


# Back ends by name, each imported only when chosen: factory(config, store).
BACKENDS = {
    "local": _local_backend,
    "marathon": _marathon_backend,
}


class PackConfig(object):
    def __init__(self, values):
        merged = dict(DEFAULTS)
        merged.update({key: value for key, value in (values or {}).items() if value is not None})
        if not merged.get("registry_path"):
            raise ConfigError(
                "pack config has no registry_path; fix: set registry_path in "
                "configs/qaeci.yaml to the app tree directory"
            )
        self.registry_path = os.path.expanduser(merged["registry_path"])
        self.backend = merged["backend"]
        self.work_dir = os.path.expanduser(merged["work_dir"])
        self.artifact_store = merged["artifact_store"]
        self.artifact_store_auth = dict(merged["artifact_store_auth"])
        self.domain = merged["domain"]
        self.router_port = int(merged["router_port"])
        self.build_concurrency = max(1, int(merged["build_concurrency"]))
        self.clusters = _clusters(self.backend, merged["clusters"])
        self.marathon = dict(merged["marathon"] or {})
        self.links = merged["links"]  # {name: URL template}: qaeci.links checks them
        self.values = merged  # every key as configured, for readers going by the schema


def _clusters(backend, values):
    """{deploy type: cluster_config.Cluster}. The Marathon back end deploys to them, so every
    entry must be right; other back ends do not use them, and leave bad entries to the
    sensors, which report them."""
    if backend == "marathon":
        return cluster_config.marathon_clusters(values)
    clusters, _ = cluster_config.read_clusters({"clusters": values})
    return {cluster.name: cluster for cluster in clusters}


def open_backend(config, store):
    """The configured back end, imported lazily (only the chosen one is loaded)."""
    if config.backend not in BACKENDS:
        raise ConfigError(
            "backend %r is not available; fix: set backend to one of %s"
            % (config.backend, ", ".join(sorted(BACKENDS)))
        )
    return BACKENDS[config.backend](config, store)
