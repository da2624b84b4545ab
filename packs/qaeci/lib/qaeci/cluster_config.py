"""What the sensors watch, read from the pack config: the `clusters` map (one entry per deploy
type: marathon_url, marathon_auth, mesos_url, docker_hosts) and the sensors' own settings.

Sensors get the raw pack config dict (StackStorm hands `self.config` to a sensor), so this reader
takes a dict and never needs registry_path. A bad entry is reported as one line naming the key
and the fix, and only that entry is skipped: the other clusters are still watched.
"""
import collections

from qaeci.errors import ConfigError

Cluster = collections.namedtuple(
    "Cluster", "name marathon_url marathon_auth mesos_url docker_hosts")

SENSOR_DEFAULTS = {
    "capacity_high": 0.85,        # allocation ratio at or above which a resource is high
    "capacity_low": 0.20,         # ... at or below which it is low
    "capacity_hysteresis": 0.05,  # how far back a ratio must come to leave high or low
    "capacity_polls": 3,          # polls a new level must hold before qaeci.capacity fires
    "launch_stalled_after": 300,  # seconds a launch may wait for offers before it is stalled
    "retry_first": 1.0,           # first reconnect delay (seconds); doubles, with jitter...
    "retry_max": 60.0,            # ... up to this
    "request_timeout": 10.0,      # seconds for one HTTP request to Mesos, Marathon or Docker
    "marathon_stall_timeout": 15.0,  # a Marathon stream silent this long (/ping answering) is reopened
}

DOCKER_SCHEMES = ("unix://", "tcp://")


def _text(value):
    return value.strip() if isinstance(value, str) and value.strip() else None


def _docker_hosts(name, hosts):
    if hosts is None:
        return ()
    if isinstance(hosts, str):
        hosts = [hosts]
    if not isinstance(hosts, list) or not all(_text(host) for host in hosts):
        raise ConfigError("clusters.%s.docker_hosts must be a list of addresses; fix: write e.g. "
                          "[unix:///var/run/docker.sock, tcp://agent1:2375]" % name)
    for host in hosts:
        if not host.strip().startswith(DOCKER_SCHEMES):
            raise ConfigError("clusters.%s.docker_hosts: %r is not unix://PATH or tcp://HOST:PORT;"
                              " fix: write the daemon address as docker -H takes it" % (name, host))
    return tuple(host.strip() for host in hosts)


def _cluster(name, entry):
    if not isinstance(entry, dict):
        raise ConfigError("clusters.%s must be a mapping (marathon_url, mesos_url, docker_hosts, "
                          "...); fix: indent its keys under it" % name)
    for key in ("marathon_url", "mesos_url"):
        if entry.get(key) is not None and not _text(entry.get(key)):
            raise ConfigError("clusters.%s.%s must be a URL such as http://host:port; fix: set it "
                              "or remove the key" % (name, key))
    auth = entry.get("marathon_auth")
    if auth is not None and (not isinstance(auth, str) or ":" not in auth):
        raise ConfigError('clusters.%s.marathon_auth must be "user:password"; fix: set it so, or '
                          'remove it for a Marathon without authentication' % name)
    return Cluster(name=name,
                   marathon_url=(_text(entry.get("marathon_url")) or "").rstrip("/") or None,
                   marathon_auth=auth,
                   mesos_url=(_text(entry.get("mesos_url")) or "").rstrip("/") or None,
                   docker_hosts=_docker_hosts(name, entry.get("docker_hosts")))


def read_clusters(config):
    """([Cluster], [one-line problem]) from the pack config; no clusters -> ([], [])."""
    clusters = (config or {}).get("clusters") or {}
    if not isinstance(clusters, dict):
        return [], ["clusters must be a mapping of deploy type to cluster settings; fix: write "
                    "clusters: {dev: {marathon_url: ..., mesos_url: ...}}"]
    found, problems = [], []
    for name in sorted(clusters):
        try:
            found.append(_cluster(str(name), clusters[name]))
        except ConfigError as error:
            problems.append(str(error))
    return found, problems


def _number(name, value, default):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError("sensors.%s must be a number, got %r; fix: set it to a number or remove "
                          "it (default %s)" % (name, value, default))
    if number < 0:
        raise ConfigError("sensors.%s must not be negative, got %r; fix: set it to a number >= 0 "
                          "(default %s)" % (name, value, default))
    return number


def sensor_settings(config):
    """The `sensors` section merged over SENSOR_DEFAULTS; ConfigError names a bad key."""
    given = (config or {}).get("sensors") or {}
    if not isinstance(given, dict):
        raise ConfigError("sensors must be a mapping of setting to value; fix: write e.g. "
                          "sensors: {capacity_high: 0.85}")
    unknown = sorted(set(given) - set(SENSOR_DEFAULTS))
    if unknown:
        raise ConfigError("sensors.%s is not a sensor setting; fix: use one of %s"
                          % (unknown[0], ", ".join(sorted(SENSOR_DEFAULTS))))
    settings = dict(SENSOR_DEFAULTS)
    for key, value in given.items():
        if value is not None:
            settings[key] = _number(key, value, SENSOR_DEFAULTS[key])
    settings["capacity_polls"] = max(1, int(settings["capacity_polls"]))
    if not settings["capacity_low"] < settings["capacity_high"] <= 1:
        raise ConfigError("sensors: capacity_low (%s) must be below capacity_high (%s), and "
                          "capacity_high at most 1; fix: set them as ratios such as 0.2 and 0.85"
                          % (settings["capacity_low"], settings["capacity_high"]))
    return settings
