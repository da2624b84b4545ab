"""What the Marathon event sensor reads from the pack config (StackStorm hands a sensor the raw
config dict): the Marathons of `clusters` (marathon_url, marathon_auth, marathon_ca_file) and
its settings in the `sensors` section, which the pack's other sensors share:

    retry_first (1 s), retry_max (60 s)   first reconnect delay, doubling (jittered) up to max
    request_timeout (10 s)                one Marathon REST request
    marathon_stall_timeout (15 s)         a stream silent this long (Marathon sends a heartbeat
                                          every 10 s) while /ping answers is stalled: reconnect

A bad entry is one line naming the key and the fix; only that cluster is left out.
"""
import collections

from qaeci.errors import ConfigError

MarathonCluster = collections.namedtuple("MarathonCluster", "name url auth ca_file")
StreamSettings = collections.namedtuple(
    "StreamSettings", "retry_first retry_max request_timeout stall_timeout")

SETTINGS = {"retry_first": 1.0, "retry_max": 60.0, "request_timeout": 10.0,
            "marathon_stall_timeout": 15.0}


def marathon_clusters(config):
    """([MarathonCluster], [one-line problem]) of the clusters that name a marathon_url."""
    clusters = (config or {}).get("clusters") or {}
    if not isinstance(clusters, dict):
        return [], ["clusters must map deploy types to settings; fix: write clusters: "
                    "{dev: {marathon_url: \"http://marathon.example:8080\"}}"]
    found, problems = [], []
    for name in sorted(clusters):
        try:
            cluster = _cluster(str(name), clusters[name])
        except ConfigError as error:
            problems.append(str(error))
            continue
        if cluster is not None:
            found.append(cluster)
    return found, problems


def _cluster(name, entry):
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise ConfigError("clusters.%s must be a mapping (marathon_url, marathon_auth, ...); fix: "
                          "indent its keys under it" % name)
    url = entry.get("marathon_url")
    if url is None:
        return None
    if not isinstance(url, str) or not url.strip().startswith(("http://", "https://")):
        raise ConfigError("clusters.%s.marathon_url %r is not an http(s) URL; fix: set it to the "
                          "Marathon, e.g. http://marathon.example:8080" % (name, url))
    auth = entry.get("marathon_auth")
    if auth is not None and (not isinstance(auth, str) or ":" not in auth):
        raise ConfigError("clusters.%s.marathon_auth is not user:password; fix: set it to the "
                          "Marathon's --http_credentials form, or remove it" % name)
    return MarathonCluster(name, url.strip().rstrip("/"), auth or None,
                           entry.get("marathon_ca_file") or None)


def stream_settings(config):
    """StreamSettings from the `sensors` section; ConfigError names a bad value."""
    given = (config or {}).get("sensors") or {}
    if not isinstance(given, dict):
        raise ConfigError("sensors must be a mapping of setting to value; fix: write e.g. "
                          "sensors: {marathon_stall_timeout: 15}")
    values = {}
    for key, default in SETTINGS.items():
        value = given.get(key)
        if value is None:
            value = default
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError("sensors.%s must be a number of seconds above 0, got %r; fix: set "
                              "it or remove it (default %s)" % (key, value, default))
        values[key] = float(value)
    return StreamSettings(values["retry_first"], max(values["retry_max"], values["retry_first"]),
                          values["request_timeout"], values["marathon_stall_timeout"])
