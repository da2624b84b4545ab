"""The pack config (configs/qaeci.yaml) with DESIGN.md section 6's defaults, and the back end."""
import os

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
            raise ConfigError("pack config has no registry_path; fix: set registry_path in "
                              "configs/qaeci.yaml to the app tree directory")
        self.registry_path = os.path.expanduser(merged["registry_path"])
        self.backend = merged["backend"]
        self.work_dir = os.path.expanduser(merged["work_dir"])
        self.artifact_store = merged["artifact_store"]
        self.artifact_store_auth = dict(merged["artifact_store_auth"])
        self.domain = merged["domain"]
        self.router_port = int(merged["router_port"])
        self.build_concurrency = max(1, int(merged["build_concurrency"]))
        self.clusters = _clusters(merged["clusters"])
        self.marathon = dict(merged["marathon"] or {})
        if self.backend == "marathon":
            _check_marathon_clusters(self.clusters)
        self.links = merged["links"]  # {name: URL template}: qaeci.links checks them
        self.values = merged  # every key as configured, for readers going by the schema


def _clusters(values):
    """{deploy type: {key: value}} (marathon_url, marathon_auth, marathon_ca_file, mesos_url,
    docker_hosts)."""
    if not isinstance(values, dict) or not all(isinstance(cluster, (dict, type(None)))
                                               for cluster in values.values()):
        raise ConfigError("clusters must map deploy types to settings; fix: write clusters: "
                          "{dev: {marathon_url: \"http://marathon.example:8080\"}}")
    return {name: dict(cluster or {}) for name, cluster in values.items()}


def _check_marathon_clusters(clusters):
    if not clusters:
        raise ConfigError("backend marathon needs clusters; fix: add clusters.DEPLOY_TYPE."
                          "marathon_url (one per deploy type, e.g. dev and beta) to "
                          "configs/qaeci.yaml")
    for name, cluster in sorted(clusters.items()):
        if not cluster.get("marathon_url"):
            raise ConfigError("clusters.%s has no marathon_url; fix: set it to the Marathon "
                              "serving deploy type %s (http://HOST:8080)" % (name, name))


def open_backend(config, store):
    """The configured back end, imported lazily (only the chosen one is loaded)."""
    if config.backend not in BACKENDS:
        raise ConfigError("backend %r is not available; fix: set backend to one of %s"
                          % (config.backend, ", ".join(sorted(BACKENDS))))
    return BACKENDS[config.backend](config, store)
