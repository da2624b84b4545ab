"""Base services as Marathon apps (`/qaeci/ENV/svc.NAME`), one image each from the pack config.

Each listens on the PORT0 Marathon gives it, with host networking, and keeps its data in its
sandbox. MariaDB's data directory comes from the standard snapshot tarball in the artifact store
(`mysql-snapshots/NAME.tar.gz`, see services/snapshots.py), fetched by the Mesos fetcher and
unpacked before the server starts; without a snapshot a fresh one is made with
mariadb-install-db. Its account (user `qaeci`, a generated password, the database) is created by
an init file the task fetches from the store: the password is never in the app definition, which
anyone who may read Marathon can see. The password is kept on this host in
WORK_DIR/marathon/ENV/mysql.json (0600), as the local back end keeps it beside the datadir.
"""

import json
import os
import secrets
import tempfile

from qaeci.backends import marathon_ids
from qaeci.backends.base import BackendError
from qaeci.backends.marathon_apps import CONFIG_PREFIX, base_definition, fetch_item, fetch_url

DEFAULT_IMAGES = {
    "mysql": "mariadb:10.11",
    "redis": "redis:7",
    "memcached": "memcached:1.6",
    "zookeeper": "zookeeper:3.8",
}
RESOURCES = {
    "mysql": (0.5, 1024),
    "redis": (0.25, 256),
    "memcached": (0.25, 128),
    "zookeeper": (0.25, 512),
}
APP_USER = "qaeci"
DEFAULT_DATABASE = "qaeci"

SHELL_ARGS = {
    "redis": 'exec redis-server --port "$PORT0" --protected-mode no --dir "$MESOS_SANDBOX"',
    "memcached": 'exec memcached -p "$PORT0" -m 64',
    "zookeeper": (
        'mkdir -p "$MESOS_SANDBOX/zk" && printf "dataDir=%s/zk\\nclientPort=%s\\n'
        'admin.enableServer=false\\n" "$MESOS_SANDBOX" "$PORT0" '
        '> "$MESOS_SANDBOX/zoo.cfg" '
        '&& exec zkServer.sh start-foreground "$MESOS_SANDBOX/zoo.cfg"'
    ),
    "mysql": (
        "mkdir -p db tmp && if [ -f snapshot.tar.gz ]; then tar xzf snapshot.tar.gz -C db; "
        'else mariadb-install-db --datadir="$MESOS_SANDBOX/db" --user=root '
        "--auth-root-authentication-method=socket >/dev/null; fi && "
        'exec mariadbd --no-defaults --datadir="$MESOS_SANDBOX/db" --user=root '
        '--tmpdir="$MESOS_SANDBOX/tmp" --port="$PORT0" --bind-address=0.0.0.0 '
        '--skip-name-resolve --skip-log-bin --init-file="$MESOS_SANDBOX/init.sql"'
    ),
}


class ServiceDefinitions(object):
    def __init__(self, store, work_dir, images=None):
        self.store = store
        self.work_dir = work_dir
        self.images = dict(DEFAULT_IMAGES, **(images or {}))

    def definition(self, env, name, options, uploader):
        """The Marathon app of service NAME in ENV (options from the template); uploader puts
        text in the store and gives its URL (for MariaDB's init file)."""
        if name not in SHELL_ARGS:
            raise BackendError(
                "unknown base service %r: use one of %s" % (name, ", ".join(sorted(SHELL_ARGS)))
            )
        image = self.images.get(name)
        if not image:
            raise BackendError(
                "no Docker image for base service %s; fix: set "
                "marathon.service_images.%s in the pack config" % (name, name)
            )
        fetch = self._mysql_fetch(env, options, uploader) if name == "mysql" else []
        cpus, mem = RESOURCES[name]
        labels = {"qaeci.env": env, "qaeci.service": name}
        return base_definition(
            marathon_ids.service_id(env, name),
            ["sh", "-c", SHELL_ARGS[name]],
            image,
            cpus,
            mem,
            1,
            {"QAECI_ENV": env},
            labels,
            fetch,
        )

    def connection(self, env, name, host, port):
        """What apps are told about the service (mysql adds its account)."""
        info = {"host": host, "port": port}
        if name == "mysql":
            credentials = self._credentials(env)
            if credentials:
                info.update(credentials)
        return info

    # -- MariaDB ------------------------------------------------------------------------------

    def _mysql_fetch(self, env, options, uploader):
        credentials = self._credentials(env) or self._new_credentials(env, options)
        init_sql = _account_sql(credentials)
        key = "%s/%s/%s/init.sql" % (CONFIG_PREFIX, env, marathon_ids.SERVICE_PREFIX + "mysql")
        fetch = []
        snapshot = options.get("snapshot")
        if snapshot:
            from qaeci.services import snapshots

            archive = snapshots.archive_key(snapshot)
            if not self.store.exists(archive):
                raise BackendError(
                    "snapshot %s is not in the artifact store (%s); fix: take it "
                    "with the snapshot action or correct services.mysql.snapshot"
                    % (snapshot, archive)
                )
            fetch.append(fetch_item(fetch_url(self.store, archive), "snapshot.tar.gz", False))
        fetch.append(fetch_item(uploader(key, init_sql), "init.sql", False))
        return fetch

    def _credentials_path(self, env):
        return os.path.join(self.work_dir, "marathon", env, "mysql.json")

    def _credentials(self, env):
        try:
            with open(self._credentials_path(env)) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def _new_credentials(self, env, options):
        database = options.get("database") or self._snapshot_database(options) or DEFAULT_DATABASE
        credentials = {
            "user": APP_USER,
            "password": secrets.token_urlsafe(18),
            "database": database,
        }
        path = self._credentials_path(env)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        descriptor = os.open(path + ".new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(credentials, handle)
        os.replace(path + ".new", path)
        return credentials

    def _snapshot_database(self, options):
        if not options.get("snapshot"):
            return None
        from qaeci.services import snapshots

        return snapshots.read_metadata(self.store, options["snapshot"], tempfile.gettempdir()).get(
            "database"
        )

    def forget(self, env):
        """Drop what this host keeps for ENV's services (after they are destroyed)."""
        path = self._credentials_path(env)
        if os.path.exists(path):
            os.unlink(path)
        directory = os.path.dirname(path)
        if os.path.isdir(directory) and not os.listdir(directory):
            os.rmdir(directory)


def _account_sql(credentials):
    from qaeci.services.mariadb_tools import quote_identifier, quote_string

    database = quote_identifier(credentials["database"])
    account = "%s@'%%'" % quote_string(credentials["user"])
    password = quote_string(credentials["password"])
    return "\n".join(
        [
            "CREATE DATABASE IF NOT EXISTS %s;" % database,
            "CREATE USER IF NOT EXISTS %s IDENTIFIED BY %s;" % (account, password),
            "ALTER USER %s IDENTIFIED BY %s;" % (account, password),
            "GRANT ALL PRIVILEGES ON %s.* TO %s;" % (database, account),
            "",
        ]
    )
