#!/usr/bin/env python3
"""Restore a MariaDB holding at least 1 GB from a standard snapshot and from a mysqldump of the
same data, and compare.

  snapshot_restore: time from nothing to a new environment's MariaDB answering with the data,
                    through the local back end (fetch from store -> unpack -> start -> account)
  dump_restore:     time from nothing to a new environment's MariaDB answering with the same
                    data loaded from the dump (fresh install -> start -> account -> load)
Both servers run with the same settings. Exits 1 if the snapshot is not at least 10x faster.

Usage: bench/db_snapshot.py [--gigabytes 1.0] [--keep]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "packs", "qaeci", "lib"))

from qaeci.artifacts import open_store  # noqa: E402
from qaeci.backends.local import LocalBackend  # noqa: E402
from qaeci.services.mariadb import MariaDBService  # noqa: E402
from qaeci.services.mariadb_tools import find_tool, run_sql  # noqa: E402

TARGET_SPEEDUP = 10.0
ROW_BYTES = 1024
SEED_ROWS = 1024
SERVER_OPTIONS = {"buffer_pool": "1G", "flush_at_commit": 2}
SNAPSHOT = "bench-1g"

# Wide rows that look like application data: ids, a status, a timestamp, a token and a long
# free-text column whose words vary per row.
TABLE_SQL = """
CREATE TABLE orders (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  status VARCHAR(16) NOT NULL,
  created DATETIME NOT NULL,
  token CHAR(32) NOT NULL,
  note VARCHAR(2000) NOT NULL
) ENGINE=InnoDB;
"""
SEED_SQL = """
INSERT INTO orders (customer_id, status, created, token, note)
SELECT FLOOR(RAND() * 100000), ELT(1 + FLOOR(RAND() * 4), 'new', 'paid', 'shipped', 'returned'),
       NOW() - INTERVAL FLOOR(RAND() * 1000000) MINUTE, MD5(RAND()),
       LEFT(REPEAT(CONCAT('order ', seq, ' for customer ', FLOOR(RAND() * 100000),
                          ' shipped via carrier ', MD5(RAND()), '; '), 20), %d)
FROM seq_1_to_%d;
""" % (ROW_BYTES - 80, SEED_ROWS)
DOUBLE_SQL = """
INSERT INTO orders (customer_id, status, created, token, note)
SELECT customer_id + 1, status, created + INTERVAL 1 SECOND, MD5(id), note FROM orders;
"""


def log(message):
    print("# " + message, file=sys.stderr, flush=True)


def data_bytes(socket_path, database):
    out = run_sql(
        socket_path,
        "SELECT SUM(data_length + index_length) FROM "
        "information_schema.tables WHERE table_schema = '%s';" % database,
    )
    return int(out.strip() or 0)


def row_count(socket_path, database):
    return int(run_sql(socket_path, "SELECT COUNT(*) FROM orders;", database=database).strip())


def fill(socket_path, database, gigabytes):
    run_sql(socket_path, TABLE_SQL + SEED_SQL, database=database)
    target = int(gigabytes * 1e9)
    while data_bytes(socket_path, database) < target:
        run_sql(socket_path, DOUBLE_SQL, database=database, timeout=1800)
        run_sql(socket_path, "ANALYZE TABLE orders;", database=database)
        log("generated %.2f GB" % (data_bytes(socket_path, database) / 1e9))


def dump(socket_path, database, path):
    argv = [
        find_tool("mariadb-dump", "mysqldump"),
        "--no-defaults",
        "--socket=%s" % socket_path,
        "--user=%s" % current_user(),
        "--single-transaction",
        "--quick",
        database,
    ]
    with open(path, "w") as out:
        subprocess.run(argv, stdout=out, check=True, timeout=3600)


def load_dump(socket_path, database, path):
    argv = [
        find_tool("mariadb", "mysql"),
        "--no-defaults",
        "--socket=%s" % socket_path,
        "--user=%s" % current_user(),
        database,
    ]
    with open(path) as source:
        subprocess.run(argv, stdin=source, check=True, timeout=7200)


def current_user():
    from qaeci.services.base import current_user as user

    return user()


def socket_of(backend, env):
    return MariaDBService.socket_path(backend.service_data_dir(env, "mysql"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="qdbb-", dir="/var/tmp")
    backend = LocalBackend(
        os.path.join(root, "w"), artifact_store=open_store("file://" + os.path.join(root, "store"))
    )
    try:
        log("work dir %s" % root)
        source = backend.ensure_services("src", {"mysql": dict(SERVER_OPTIONS)})["mysql"]
        database = source["database"]
        fill(socket_of(backend, "src"), database, args.gigabytes)
        size = data_bytes(socket_of(backend, "src"), database)
        rows = row_count(socket_of(backend, "src"), database)
        log("source holds %d rows, %.2f GB; taking the snapshot and the dump" % (rows, size / 1e9))
        backend.create_snapshot("src", SNAPSHOT)
        dump_path = os.path.join(root, "dump.sql")
        dump(socket_of(backend, "src"), database, dump_path)
        backend.destroy("src")

        started = time.monotonic()
        backend.ensure_services("snap", {"mysql": dict(SERVER_OPTIONS, snapshot=SNAPSHOT)})
        snapshot_seconds = time.monotonic() - started
        assert row_count(socket_of(backend, "snap"), database) == rows
        backend.destroy("snap")

        started = time.monotonic()
        backend.ensure_services("dump", {"mysql": dict(SERVER_OPTIONS)})
        load_dump(socket_of(backend, "dump"), database, dump_path)
        dump_seconds = time.monotonic() - started
        assert row_count(socket_of(backend, "dump"), database) == rows
        backend.destroy("dump")
    finally:
        backend.shutdown()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    speedup = dump_seconds / snapshot_seconds
    print("data_size: %.2f GB" % (size / 1e9))
    print("snapshot_restore: %.1f s" % snapshot_seconds)
    print("dump_restore: %.1f s" % dump_seconds)
    print("restore_speedup: %.1f x" % speedup)
    return 0 if speedup >= TARGET_SPEEDUP else 1


if __name__ == "__main__":
    sys.exit(main())
