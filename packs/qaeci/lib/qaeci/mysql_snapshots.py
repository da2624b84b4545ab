"""MariaDB standard snapshots (actions mysql_snapshot_create and mysql_snapshot_list): a copy
of an environment's MariaDB in the artifact store, which templates name as
services.mysql.snapshot."""

import re

from qaeci.errors import ConfigError, PlanError
from qaeci.registry import check_env_name

_SNAPSHOT_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


def create_snapshot(context, env, name):
    check_env_name(env)
    if not _SNAPSHOT_NAME.match(name or ""):
        raise PlanError(
            "snapshot name %r is invalid; fix: use lower-case letters, digits, "
            "'.', '_' and '-'" % (name,)
        )
    context.existing_environment(env, fix="check the name with env list")
    create = getattr(context.backend, "create_snapshot", None)
    if create is None:
        raise ConfigError(
            "back end %s cannot take snapshots; fix: use the local back end"
            % context.config.backend
        )
    return {"env": env, "snapshot": name, "details": create(env, name)}


def list_snapshots(context):
    lister = getattr(context.backend, "list_snapshots", None)
    if lister is None:
        raise ConfigError(
            "back end %s cannot list snapshots; fix: use the local back end"
            % context.config.backend
        )
    return {"snapshots": lister()}
