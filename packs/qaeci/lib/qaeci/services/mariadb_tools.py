"""Locating MariaDB's programs and running SQL as the administrator over the unix socket.

SQL always travels on stdin, never in argv, so passwords never show in the process table or in
a log line."""

import os
import shutil
import subprocess

from qaeci.services.base import ServiceError, current_user


def find_tool(*names):
    for name in names:
        for candidate in (
            shutil.which(name),
            os.path.join("/usr/sbin", name),
            os.path.join("/usr/bin", name),
        ):
            if candidate and os.access(candidate, os.X_OK):
                return candidate
    raise ServiceError(
        "%s not found: run scripts/install-system-deps.sh (Debian package "
        "mariadb-server)" % names[0]
    )


def run_sql(socket_path, sql, timeout=600, database=None):
    """Run SQL as the administrator (the OS user, unix_socket auth); return stdout."""
    argv = [
        find_tool("mariadb", "mysql"),
        "--no-defaults",
        "--socket=%s" % socket_path,
        "--user=%s" % current_user(),
        "--batch",
        "--skip-column-names",
    ]
    if database:
        argv.append(database)
    result = subprocess.run(
        argv,
        input=sql,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise ServiceError(
            "MariaDB at %s refused SQL: %s" % (socket_path, result.stderr.strip()[:300])
        )
    return result.stdout


def quote_identifier(name):
    return "`%s`" % name.replace("`", "``")


def quote_string(text):
    return "'%s'" % text.replace("\\", "\\\\").replace("'", "''")
