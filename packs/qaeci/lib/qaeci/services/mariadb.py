"""MariaDB for one environment: own datadir, socket and port, mariadbd under supervisord.

A new datadir is either unpacked from a standard snapshot in the artifact store (a tar.gz of a
consistent data directory, see snapshots.py) or made fresh with mariadb-install-db. Each
environment gets a database and a user `qaeci` with a generated password, which is kept in a
0600 file beside the datadir and never in argv or logs.
"""

import json
import os
import secrets
import shutil
import subprocess

from qaeci.services import snapshots
from qaeci.services.base import HOST, BaseService, ServiceError, current_user, tcp_exchange
from qaeci.services.mariadb_tools import find_tool, quote_identifier, quote_string, run_sql

APP_USER = "qaeci"
DEFAULT_DATABASE = "qaeci"


class MariaDBService(BaseService):
    name = "mysql"
    start_timeout = 120.0
    stop_wait = 120

    @staticmethod
    def datadir(data_dir):
        return os.path.join(data_dir, "db")

    @staticmethod
    def socket_path(data_dir):
        return os.path.join(data_dir, "run", "mysqld.sock")

    @staticmethod
    def credentials_path(data_dir):
        return os.path.join(data_dir, "credentials.json")

    # -- preparing the data directory ---------------------------------------------------------
    def prepare(self, env, data_dir, port, options):
        for sub in ("run", "tmp"):
            os.makedirs(os.path.join(data_dir, sub), exist_ok=True)
        credentials = self._load_credentials(data_dir)
        if not os.path.isdir(self.datadir(data_dir)):
            # Filled beside, then renamed: a crash half-way leaves no datadir that looks whole.
            partial = self.datadir(data_dir) + ".partial"
            shutil.rmtree(partial, ignore_errors=True)
            database = self._new_datadir(data_dir, partial, options)
            credentials = {
                "user": APP_USER,
                "password": secrets.token_urlsafe(18),
                "database": options.get("database") or database,
            }
            self._save_credentials(data_dir, credentials)
            os.rename(partial, self.datadir(data_dir))
        elif credentials is None:
            raise ServiceError(
                "MariaDB datadir %s has no credentials file %s: destroy the "
                "environment to start it afresh"
                % (self.datadir(data_dir), self.credentials_path(data_dir))
            )
        return {
            "host": HOST,
            "port": port,
            "user": credentials["user"],
            "password": credentials["password"],
            "database": credentials["database"],
            "socket": self.socket_path(data_dir),
        }

    def _new_datadir(self, data_dir, target, options):
        """Fill target; return the database name the snapshot holds (or the default)."""
        snapshot = options.get("snapshot")
        if snapshot:
            if self.artifact_store is None:
                raise ServiceError(
                    "mysql snapshot %r needs an artifact store: configure artifact_store" % snapshot
                )
            meta = snapshots.restore_snapshot(
                self.artifact_store, snapshot, target, os.path.join(data_dir, "tmp")
            )
            return meta.get("database") or DEFAULT_DATABASE
        self._install_fresh(target, data_dir)
        return DEFAULT_DATABASE

    def _install_fresh(self, target, data_dir):
        os.makedirs(target, exist_ok=True)
        argv = [
            find_tool("mariadb-install-db", "mysql_install_db"),
            "--no-defaults",
            "--datadir=%s" % target,
            "--user=%s" % current_user(),
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
            "--skip-name-resolve",
        ]
        log = self.log_path(data_dir)
        with open(log, "ab") as handle:
            result = subprocess.run(argv, stdout=handle, stderr=subprocess.STDOUT, timeout=300)
        if result.returncode != 0:
            raise ServiceError(
                "mariadb-install-db failed for %s: %s" % (target, self.last_log_line(data_dir))
            )

    def _load_credentials(self, data_dir):
        try:
            with open(self.credentials_path(data_dir)) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def _save_credentials(self, data_dir, credentials):
        path = self.credentials_path(data_dir)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(credentials, handle)

    # -- running -------------------------------------------------------------------------------
    def argv(self, env, data_dir, port, options):
        argv = [
            find_tool("mariadbd", "mysqld"),
            "--no-defaults",
            "--datadir=%s" % self.datadir(data_dir),
            "--socket=%s" % self.socket_path(data_dir),
            "--pid-file=%s" % os.path.join(data_dir, "run", "mysqld.pid"),
            "--tmpdir=%s" % os.path.join(data_dir, "tmp"),
            "--port=%d" % port,
            "--bind-address=%s" % HOST,
            "--skip-name-resolve",
            "--skip-log-bin",
            "--log-warnings=1",
            "--innodb-buffer-pool-size=%s" % options.get("buffer_pool", "128M"),
            "--innodb-flush-log-at-trx-commit=%d" % int(options.get("flush_at_commit", 2)),
        ]
        if os.geteuid() == 0:
            argv.append("--user=root")  # mariadbd refuses to run as root unless told so
        return argv

    def probe(self, data_dir, port):
        # The server speaks first: a handshake packet (protocol 10), or an error packet (0xff)
        # when no account may connect from 127.0.0.1 yet. Either way it is up.
        greeting = tcp_exchange(port, b"")
        return len(greeting) > 4 and greeting[4:5] in (b"\x0a", b"\xff")

    def after_start(self, env, data_dir, port, options, info):
        self._ensure_account(info)
        return info

    def _ensure_account(self, info):
        database = quote_identifier(info["database"])
        password = quote_string(info["password"])
        statements = ["CREATE DATABASE IF NOT EXISTS %s;" % database]
        for host in ("%", "localhost"):
            account = "%s@%s" % (quote_string(info["user"]), quote_string(host))
            statements += [
                "CREATE USER IF NOT EXISTS %s IDENTIFIED BY %s;" % (account, password),
                "ALTER USER %s IDENTIFIED BY %s;" % (account, password),
                "GRANT ALL PRIVILEGES ON %s.* TO %s;" % (database, account),
            ]
        run_sql(info["socket"], "\n".join(statements) + "\n")

    # -- snapshots -----------------------------------------------------------------------------
    def create_snapshot(self, env, data_dir, port, name):
        """Take a standard snapshot of this environment's running MariaDB into the store."""
        snapshots.check_name(name)
        if self.artifact_store is None:
            raise ServiceError(
                "creating a snapshot needs an artifact store: configure artifact_store"
            )
        if self.status(env, data_dir, port) != "healthy":
            raise ServiceError(
                "MariaDB of %s is not running: bring the environment up before "
                "taking a snapshot of it" % env
            )
        credentials = self._load_credentials(data_dir) or {}
        work = os.path.join(data_dir, "tmp", "snapshot-%s" % name)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        archive = os.path.join(data_dir, "tmp", "snapshot-%s.tar.gz" % name)
        try:
            if snapshots.has_mariadb_backup():
                snapshots.backup_running_server(
                    self.socket_path(data_dir),
                    self.datadir(data_dir),
                    work,
                    self.log_path(data_dir),
                )
                snapshots.pack_datadir(work, archive)
            else:
                self._pack_stopped(env, data_dir, archive)
            return snapshots.publish(
                self.artifact_store,
                name,
                archive,
                {"database": credentials.get("database", DEFAULT_DATABASE), "source_env": env},
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
            if os.path.exists(archive):
                os.unlink(archive)

    def _pack_stopped(self, env, data_dir, archive):
        """Without mariadb-backup: a clean shutdown makes the datadir consistent."""
        self.supervisor.stop(self.program_name(env))
        try:
            snapshots.pack_datadir(self.datadir(data_dir), archive)
        finally:
            self.supervisor.start(self.program_name(env))
