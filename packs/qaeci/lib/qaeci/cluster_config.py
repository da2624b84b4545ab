"""The pack config's `clusters` map (one entry per deploy type: marathon_url, marathon_auth,
marathon_ca_file, mesos_url, docker_hosts) and the sensors' own settings.

This module owns the rules of a cluster entry; its two readers apply them differently:
- read_clusters (the sensors, which get the raw pack config dict as StackStorm hands it, so no
  registry_path is needed): tolerant. A bad entry is one line naming the key and the fix, and
  only that entry is skipped: the other clusters are still watched.
- marathon_clusters (the Marathon back end, through PackConfig): strict. The first bad entry is a
  ConfigError, and every entry needs the marathon_url the back end deploys to.
"""

import collections
import os
import urllib.parse

from qaeci.errors import ConfigError

Cluster = collections.namedtuple(
    "Cluster",
    "name marathon_url marathon_auth mesos_url docker_hosts marathon_ca_file",
    defaults=(None,),
)

SENSOR_DEFAULTS = {
    "capacity_high": 0.85,  # allocation ratio at or above which a resource is high
    "capacity_low": 0.20,  # ... at or below which it is low
    "capacity_hysteresis": 0.05,  # how far back a ratio must come to leave high or low
    "capacity_polls": 3,  # polls a new level must hold before qaeci.capacity fires
    "launch_stalled_after": 300,  # seconds a launch may wait for offers before it is stalled
    "retry_first": 1.0,  # first reconnect delay (seconds); doubles, with jitter...
    "retry_max": 60.0,  # ... up to this
    "request_timeout": 10.0,  # seconds for one HTTP request to Mesos, Marathon or Docker
    "marathon_stall_timeout": 15.0,  # a Marathon stream silent this long (/ping answering) is reopened
}

# Durations a socket or a back-off uses as they are: 0 would make a socket non-blocking.
ABOVE_ZERO = ("retry_first", "retry_max", "request_timeout", "marathon_stall_timeout")

DOCKER_SCHEMES = ("unix://", "tcp://")


def _text(value):
    return value.strip() if isinstance(value, str) and value.strip() else None


def _docker_hosts(name, hosts):
    if hosts is None:
        return ()
    if isinstance(hosts, str):
        hosts = [hosts]
    if not isinstance(hosts, list) or not all(_text(host) for host in hosts):
        raise ConfigError(
            "clusters.%s.docker_hosts must be a list of addresses; fix: write e.g. "
            "[unix:///var/run/docker.sock, tcp://agent1:2375]" % name
        )
    for host in hosts:
        if not host.strip().startswith(DOCKER_SCHEMES):
            raise ConfigError(
                "clusters.%s.docker_hosts: %r is not unix://PATH or tcp://HOST:PORT;"
                " fix: write the daemon address as docker -H takes it" % (name, host)
            )
    return tuple(host.strip() for host in hosts)


def _url(name, key, value):
    """The URL of clusters.NAME.KEY without a trailing /, or None when it is not given."""
    if value is None:
        return None
    text = _text(value)
    parts = urllib.parse.urlsplit(text or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            "clusters.%s.%s must be a URL such as http://host:port; fix: set it "
            "or remove the key" % (name, key)
        )
    return text.rstrip("/")


def _auth(name, auth):
    # Never echo the value: it is a secret.
    if auth is not None and (not isinstance(auth, str) or ":" not in auth):
        raise ConfigError(
            'clusters.%s.marathon_auth must be "user:password"; fix: set it so, or '
            "remove it for a Marathon without authentication" % name
        )
    return auth


def _ca_file(name, path):
    if path is None:
        return None
    found = _text(path) and os.path.expanduser(path.strip())
    if not found or not os.path.isfile(found):
        raise ConfigError(
            "clusters.%s.marathon_ca_file: no file at %r; fix: set it to the CA "
            "certificate (PEM) that signed Marathon's, or remove it" % (name, path)
        )
    return found


def _cluster(name, entry):
    """The Cluster of clusters.NAME (an empty entry is a cluster with nothing to reach)."""
    entry = {} if entry is None else entry
    if not isinstance(entry, dict):
        raise ConfigError(
            "clusters.%s must be a mapping (marathon_url, mesos_url, docker_hosts, "
            "...); fix: indent its keys under it" % name
        )
    return Cluster(
        name=name,
        marathon_url=_url(name, "marathon_url", entry.get("marathon_url")),
        marathon_auth=_auth(name, entry.get("marathon_auth")),
        mesos_url=_url(name, "mesos_url", entry.get("mesos_url")),
        docker_hosts=_docker_hosts(name, entry.get("docker_hosts")),
        marathon_ca_file=_ca_file(name, entry.get("marathon_ca_file")),
    )


def _entries(clusters):
    """(name, Cluster or the ConfigError of its entry) of each entry, by name."""
    if not isinstance(clusters, dict):
        raise ConfigError(
            "clusters must be a mapping of deploy type to cluster settings; fix: "
            "write clusters: {dev: {marathon_url: ..., mesos_url: ...}}"
        )
    for name in sorted(clusters, key=str):
        try:
            yield str(name), _cluster(str(name), clusters[name])
        except ConfigError as error:
            yield str(name), error


def read_clusters(config):
    """([Cluster], [one-line problem]) from the pack config; no clusters -> ([], [])."""
    found, problems = [], []
    try:
        for _, cluster in _entries((config or {}).get("clusters") or {}):
            if isinstance(cluster, ConfigError):
                problems.append(str(cluster))
            else:
                found.append(cluster)
    except ConfigError as error:
        return [], [str(error)]
    return found, problems


def marathon_clusters(clusters):
    """{name: Cluster} of the `clusters` value for the Marathon back end; ConfigError on the
    first bad entry, on no clusters, or on an entry without a marathon_url."""
    result = {}
    for name, cluster in _entries(clusters or {}):
        if isinstance(cluster, ConfigError):
            raise cluster
        if not cluster.marathon_url:
            raise ConfigError(
                "clusters.%s has no marathon_url; fix: set it to the Marathon "
                "serving deploy type %s (http://HOST:8080)" % (name, name)
            )
        result[name] = cluster
    if not result:
        raise ConfigError(
            "backend marathon needs clusters; fix: add clusters.DEPLOY_TYPE."
            "marathon_url (one per deploy type, e.g. dev and beta) to "
            "configs/qaeci.yaml"
        )
    return result


def _number(name, value, default):
    try:
        if isinstance(value, bool):
            raise TypeError(value)
        number = float(value)
    except (TypeError, ValueError) as error:
        raise ConfigError(
            "sensors.%s must be a number, got %r; fix: set it to a number or remove "
            "it (default %s)" % (name, value, default)
        ) from error
    if number < 0:
        raise ConfigError(
            "sensors.%s must not be negative, got %r; fix: set it to a number >= 0 "
            "(default %s)" % (name, value, default)
        )
    if number == 0 and name in ABOVE_ZERO:
        raise ConfigError(
            "sensors.%s must be a number of seconds above 0, got %r; fix: set it or "
            "remove it (default %s)" % (name, value, default)
        )
    return number


def sensor_settings(config):
    """The `sensors` section merged over SENSOR_DEFAULTS; ConfigError names a bad key."""
    given = (config or {}).get("sensors") or {}
    if not isinstance(given, dict):
        raise ConfigError(
            "sensors must be a mapping of setting to value; fix: write e.g. "
            "sensors: {capacity_high: 0.85}"
        )
    unknown = sorted(set(given) - set(SENSOR_DEFAULTS))
    if unknown:
        raise ConfigError(
            "sensors.%s is not a sensor setting; fix: use one of %s"
            % (unknown[0], ", ".join(sorted(SENSOR_DEFAULTS)))
        )
    settings = dict(SENSOR_DEFAULTS)
    for key, value in given.items():
        if value is not None:
            settings[key] = _number(key, value, SENSOR_DEFAULTS[key])
    settings["capacity_polls"] = max(1, int(settings["capacity_polls"]))
    if not settings["capacity_low"] < settings["capacity_high"] <= 1:
        raise ConfigError(
            "sensors: capacity_low (%s) must be below capacity_high (%s), and "
            "capacity_high at most 1; fix: set them as ratios such as 0.2 and 0.85"
            % (settings["capacity_low"], settings["capacity_high"])
        )
    return settings
