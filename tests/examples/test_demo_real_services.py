"""The demo apps against real MariaDB and Redis servers (Debian's packages), on loopback.

Skipped, with the reason, where scripts/install-system-deps.sh has not installed the servers.
"""

import json
import os
import shutil
import subprocess
import time

import pytest
from demo_stand_ins import (
    DEMO_APPS,
    SEED_SQL,
    RunningApp,
    free_port,
    registry_app,
    seed_rows,
    unquote_sql,
)

START_TIMEOUT_SECONDS = 30


def require(*binaries):
    missing = [name for name in binaries if not shutil.which(name)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed; run scripts/install-system-deps.sh")


def wait_until(probe, what, log):
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not start within {START_TIMEOUT_SECONDS}s: {log.read_text()[-2000:]}")


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture
def real_redis(tmp_path):
    require("redis-server", "redis-cli")
    port, log = free_port(), tmp_path / "redis.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],
            stdout=out,
            stderr=out,
        )
    ping = ["redis-cli", "-h", "127.0.0.1", "-p", str(port), "PING"]
    wait_until(
        lambda: subprocess.run(ping, capture_output=True, text=True).stdout.strip() == "PONG",
        "redis-server",
        log,
    )
    yield {"host": "127.0.0.1", "port": port}
    stop(server)


def mariadb_root(socket_path, *args, stdin=None):
    return subprocess.run(
        ["mariadb", "--no-defaults", f"--socket={socket_path}", "--user=root", *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def empty_mariadb(tmp_path):
    """A fresh MariaDB with an empty database `demo` and an app account: what qaeci makes without a snapshot."""
    require("mariadbd", "mariadb-install-db", "mariadb")
    datadir, socket_path, log = (
        tmp_path / "mysql",
        tmp_path / "mysql.sock",
        tmp_path / "mariadb.log",
    )
    run_as = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={datadir}",
            *run_as,
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    with open(log, "w") as out:
        server = subprocess.Popen(
            [
                "mariadbd",
                "--no-defaults",
                f"--datadir={datadir}",
                f"--port={port}",
                "--bind-address=127.0.0.1",
                f"--socket={socket_path}",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
                *run_as,
            ],
            stdout=out,
            stderr=out,
        )
    wait_until(lambda: mariadb_root(socket_path, "-e", "SELECT 1").returncode == 0, "mariadbd", log)
    credentials = {
        "host": "127.0.0.1",
        "port": port,
        "user": "demo",
        "password": "s3cret 'quoted'",
        "database": "demo",
    }
    setup = mariadb_root(
        socket_path,
        "-e",
        "CREATE DATABASE demo; "
        "CREATE USER 'demo'@'%' IDENTIFIED BY 's3cret \\'quoted\\''; "
        "GRANT ALL ON demo.* TO 'demo'@'%';",
    )
    assert setup.returncode == 0, setup.stderr
    yield dict(credentials, socket=socket_path)
    stop(server)


@pytest.fixture
def real_mariadb(empty_mariadb):
    """The same, with demo_seed.sql loaded: what the snapshot demo-standard holds."""
    with open(SEED_SQL) as seed:
        loaded = mariadb_root(empty_mariadb["socket"], "demo", stdin=seed)
    assert loaded.returncode == 0, loaded.stderr
    return {key: value for key, value in empty_mariadb.items() if key != "socket"}


def test_the_seed_loads_into_real_mariadb_and_books_serves_it(demo_tree, real_mariadb):
    books = demo_tree(mysql=real_mariadb, real_mariadb_client=True).deploy("books")
    assert books.get("/health")[0] == 200
    status, body = books.get("/api/books")
    assert status == 200
    assert [b["title"] for b in json.loads(body)["books"]] == [
        unquote_sql(r[1]) for r in seed_rows()
    ]


def test_stock_reads_and_counts_in_real_redis(demo_tree, real_redis):
    stock = demo_tree(redis=real_redis).deploy("stock")
    assert stock.get("/health")[0] == 200
    first, second = (json.loads(stock.get("/api/stock")[1]) for _ in range(2))
    assert first["levels"]["6"] == 21 and second["lookups"] == first["lookups"] + 1
    levels = subprocess.run(
        [
            "redis-cli",
            "-h",
            "127.0.0.1",
            "-p",
            str(real_redis["port"]),
            "HGET",
            "stock:levels",
            "6",
        ],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert levels.stdout.strip() == "21"


def test_the_whole_demo_on_real_services(demo_tree, real_mariadb, real_redis):
    tree = demo_tree(mysql=real_mariadb, redis=real_redis, real_mariadb_client=True).deploy_all()
    for code in DEMO_APPS:
        for url in registry_app(code)["check"]["urls"]:
            status, body = tree[code].poll(url, lambda status, _: status == 200)
            assert status == 200, f"{code}{url}: {status} {body}"
    status, page = tree["shop"].poll("/", lambda _, page: "Continuous Delivery" in page)
    assert "Continuous Delivery" in page and "sold out" in page


def test_dbseed_loads_the_seed_into_an_empty_database_and_books_then_serves_it(
    demo_tree, empty_mariadb
):
    mysql = {key: value for key, value in empty_mariadb.items() if key != "socket"}
    tree = demo_tree(mysql=mysql, real_mariadb_client=True)
    books = tree.deploy("books")
    assert books.get("/api/books")[0] == 503  # no table yet
    dbseed = tree.deploy("dbseed")  # loads the seed before it listens
    status, body = dbseed.get("/health")
    assert status == 200 and json.loads(body) == {"books": len(seed_rows())}
    assert len(json.loads(books.get("/api/books")[1])["books"]) == len(seed_rows())
    dbseed.stop()  # a restart loads the seed again without duplicating rows
    again = RunningApp("dbseed", tree.workdir / "dbseed", free_port(), tree.extra_env)
    try:
        assert json.loads(again.get("/health")[1]) == {"books": len(seed_rows())}
    finally:
        again.stop()
