"""The pack config (configs/qaeci.yaml) with DESIGN.md section 6's defaults, and the back end."""
import os

from qaeci.errors import ConfigError

DEFAULTS = {
    "backend": "local",
    "work_dir": "~/.local/state/qaeci",
    "artifact_store": "file://~/.local/state/qaeci/artifacts",
    "domain": "localhost",
    "router_port": 8080,
    "build_concurrency": 4,
    "links": {},
}


def _local_backend():
    # A plain import, not importlib: readers of static imports (st2lite's fork server, which
    # preloads what an action imports) then see what a back end needs.
    from qaeci.backends.local import LocalBackend
    return LocalBackend


# Back ends by name, each imported only when chosen.
BACKENDS = {
    "local": _local_backend,
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
        self.domain = merged["domain"]
        self.router_port = int(merged["router_port"])
        self.build_concurrency = max(1, int(merged["build_concurrency"]))
        self.links = merged["links"]  # {name: URL template}: qaeci.links checks them
        self.values = merged  # every key as configured, for readers going by the schema


def open_backend(config, store):
    """The configured back end, imported lazily (only the chosen one is loaded)."""
    if config.backend not in BACKENDS:
        raise ConfigError("backend %r is not available; fix: set backend to one of %s"
                          % (config.backend, ", ".join(sorted(BACKENDS))))
    backend_class = BACKENDS[config.backend]()
    return backend_class(config.work_dir, config.domain, config.router_port, store)
