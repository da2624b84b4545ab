"""The pack config's `scaling:` section, checked once: every bad key is one line naming the key
and the fix. The guard's own keys (max_per_hour, dry_run, history_per_key) are read by
qaeci.automation from the same section."""

import collections

from qaeci.errors import ConfigError

DEFAULTS = {
    "cluster": None,  # the clusters entry scaled (default: the only one configured)
    "min_nodes": 0,  # agents this pack added that scale in always leaves
    "max_nodes": 10,  # agents this pack may have added at once
    "max_per_step": 3,  # agents one scale out adds at most
    "approval_above": 2,  # a step adding more agents than this waits for chat approval
    "cooldown": 600,  # seconds after a scale out (or in) before the next one
    "headroom": 0.2,  # extra share of the unmet demand a step provisions
    "agent_timeout": 600,  # seconds a new agent has to register with Mesos
    "poll_interval": 5.0,  # seconds between looks while waiting
    "agent_resources": {"cpus": 4.0, "mem": 8192.0},  # what one new agent offers
    "prewarm_images": [],  # images every new agent pulls before it starts mesos-agent
    "pool_inventory": "pool/machines.yaml",  # in the registry
    "provision_command": None,  # argv run to turn a spare machine into an agent
    "release_command": None,  # argv run when a machine goes back to the pool
    "chat_channel": "",
    "openstack": None,
}

OPENSTACK_REQUIRED = ("auth_url", "project", "user", "password", "flavor", "image", "network")
OPENSTACK_DEFAULTS = {
    "user_domain": "Default",
    "project_domain": "Default",
    "region": None,
    "key_name": None,
    "metadata_tag": "qaeci-scaling",
    "name_prefix": "qaeci-agent",
    "agent_attributes": {},
    "mesos_master": None,
    "interface": "public",
}

Settings = collections.namedtuple("Settings", sorted(DEFAULTS))
OpenStack = collections.namedtuple(
    "OpenStack", sorted(OPENSTACK_REQUIRED + tuple(OPENSTACK_DEFAULTS))
)


def read(config_values):
    """Settings from the pack config's values (a dict)."""
    given = (config_values or {}).get("scaling") or {}
    if not isinstance(given, dict):
        raise ConfigError("scaling must be a mapping; fix: write scaling: {max_nodes: 10}")
    merged = dict(DEFAULTS)
    merged.update(
        {key: value for key, value in given.items() if key in DEFAULTS and value is not None}
    )
    for key in ("min_nodes", "max_nodes", "max_per_step", "approval_above"):
        merged[key] = _whole(key, merged[key])
    for key in ("cooldown", "headroom", "agent_timeout", "poll_interval"):
        merged[key] = _number(key, merged[key])
    if merged["min_nodes"] > merged["max_nodes"]:
        raise ConfigError(
            "scaling.min_nodes (%d) is above scaling.max_nodes (%d); fix: lower "
            "min_nodes or raise max_nodes" % (merged["min_nodes"], merged["max_nodes"])
        )
    merged["agent_resources"] = _agent_resources(merged["agent_resources"])
    merged["prewarm_images"] = _strings("prewarm_images", merged["prewarm_images"])
    for key in ("provision_command", "release_command"):
        merged[key] = _command(key, merged[key])
    merged["openstack"] = _openstack(merged["openstack"])
    return Settings(**merged)


def _whole(key, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError("scaling.%s is %r; fix: set it to a whole number >= 0" % (key, value))
    return value


def _number(key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError("scaling.%s is %r; fix: set it to a number >= 0" % (key, value))
    return float(value)


def _agent_resources(value):
    if not isinstance(value, dict) or not all(
        isinstance(value.get(name), (int, float)) and value.get(name) > 0
        for name in ("cpus", "mem")
    ):
        raise ConfigError(
            "scaling.agent_resources is %r; fix: write what one new agent offers, "
            "e.g. {cpus: 4, mem: 8192} (mem in MB)" % (value,)
        )
    return {name: float(amount) for name, amount in value.items()}


def _strings(key, value):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ConfigError("scaling.%s must be a list of strings; fix: write e.g. [name:tag]" % key)
    return list(value)


def _command(key, value):
    """A command is an argv list (or one string split on spaces); no shell runs it."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split()
    if not value or not all(isinstance(part, str) for part in value):
        raise ConfigError(
            "scaling.%s must be a command as a list of arguments; fix: write e.g. "
            "[/usr/local/bin/provision-agent, '{address}']" % key
        )
    return list(value)


def _openstack(value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigError(
            "scaling.openstack must be a mapping (auth_url, project, user, password,"
            " flavor, image, network, ...); fix: indent its keys under it"
        )
    missing = [key for key in OPENSTACK_REQUIRED if not value.get(key)]
    if missing:
        raise ConfigError(
            "scaling.openstack.%s is not set; fix: set it (every one of %s is "
            "needed)" % (missing[0], ", ".join(OPENSTACK_REQUIRED))
        )
    unknown = sorted(set(value) - set(OPENSTACK_REQUIRED) - set(OPENSTACK_DEFAULTS))
    if unknown:
        raise ConfigError(
            "scaling.openstack.%s is not an OpenStack setting; fix: use one of %s"
            % (unknown[0], ", ".join(sorted(OPENSTACK_REQUIRED + tuple(OPENSTACK_DEFAULTS))))
        )
    merged = dict(OPENSTACK_DEFAULTS)
    merged.update({key: item for key, item in value.items() if item is not None})
    if not isinstance(merged["agent_attributes"], dict):
        raise ConfigError(
            "scaling.openstack.agent_attributes must be a mapping; fix: write "
            "e.g. {rack: burst, pool: qa}"
        )
    merged["auth_url"] = str(merged["auth_url"]).rstrip("/")
    return OpenStack(**merged)
