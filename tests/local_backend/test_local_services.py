"""Base services for two environments side by side: MariaDB (fresh, then restored from a
standard snapshot of the first), Redis, Memcached and ZooKeeper, each on its own port with its
own data, then destroyed leaving no process or data behind."""

import os
import subprocess

import pytest
from local_backend_helpers import processes_using, wait_for

ALL = {"mysql": {}, "redis": {}, "memcached": {}, "zookeeper": {}}


def sql(info, statement):
    """Run SQL as the app would: over TCP with the environment's user and password."""
    result = subprocess.run(
        [
            "mariadb",
            "--no-defaults",
            "-h",
            info["host"],
            "-P",
            str(info["port"]),
            "-u",
            info["user"],
            "--batch",
            "--skip-column-names",
            info["database"],
            "-e",
            statement,
        ],
        env=dict(os.environ, MYSQL_PWD=info["password"]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def tcp(port, payload):
    from qaeci.services.base import tcp_exchange

    return tcp_exchange(port, payload)


def zk_cli(port, *command):
    result = subprocess.run(
        ["/usr/share/zookeeper/bin/zkCli.sh", "-server", "127.0.0.1:%d" % port] + list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=60,
    )
    return result.stdout


@pytest.fixture(scope="module")
def env_a(backend, require_tools):
    require_tools("mariadbd", "redis-server", "memcached", "java")
    return backend.ensure_services("sa", ALL)


@pytest.fixture(scope="module")
def snapshot(backend, env_a):
    sql(
        env_a["mysql"],
        "CREATE TABLE books (id INT PRIMARY KEY, title VARCHAR(80)); "
        "INSERT INTO books VALUES (1, 'Dune'), (2, 'Solaris');",
    )
    return backend.create_snapshot("sa", "books-standard")


@pytest.fixture(scope="module")
def env_b(backend, snapshot):
    return backend.ensure_services(
        "sb", {"mysql": {"snapshot": "books-standard"}, "redis": {}, "zookeeper": {}}
    )


def test_every_service_answers_on_its_own_port(backend, env_a):
    assert sorted(env_a) == ["memcached", "mysql", "redis", "zookeeper"]
    ports = [info["port"] for info in env_a.values()]
    assert len(set(ports)) == 4
    assert all(info["host"] == "127.0.0.1" for info in env_a.values())
    assert tcp(env_a["redis"]["port"], b"PING\r\n") == b"+PONG\r\n"
    assert tcp(env_a["memcached"]["port"], b"version\r\n").startswith(b"VERSION")
    assert tcp(env_a["zookeeper"]["port"], b"ruok") == b"imok"
    assert sql(env_a["mysql"], "SELECT DATABASE(), CURRENT_USER()") == "qaeci\tqaeci@%"
    status = backend.services_status("sa")
    assert {name: entry["status"] for name, entry in status.items()} == {
        name: "healthy" for name in ALL
    }


def test_services_run_as_supervised_programs_and_zookeeper_admin_is_off(backend, env_a):
    for name in ALL:
        assert backend.supervisor.info("sa.svc-" + name)["statename"] == "RUNNING"
    assert (
        "admin.enableServer=false"
        in open(os.path.join(backend.service_data_dir("sa", "zookeeper"), "zoo.cfg")).read()
    )
    pid = backend.supervisor.info("sa.svc-memcached")["pid"]
    with open("/proc/%d/environ" % pid, "rb") as handle:
        environ = dict(item.split(b"=", 1) for item in handle.read().split(b"\0") if item)
    assert environ[b"PORT0"] == str(env_a["memcached"]["port"]).encode()
    assert (environ[b"QAECI_ENV"], environ[b"QAECI_APP"]) == (b"sa", b"svc-memcached")
    assert "Ready to accept connections" in backend.log_tail("sa", "svc-redis", 20)
    assert "ready for connections" in backend.log_tail("sa", "svc-mysql", 50)


def test_password_stays_out_of_logs_and_process_table(backend, env_a, work_dir):
    password = env_a["mysql"]["password"]
    assert len(password) >= 16
    for _pid, cmdline in processes_using(work_dir):
        assert password not in cmdline
    for folder, _dirs, files in os.walk(work_dir):
        for name in files:
            if name.endswith(".log"):
                with open(os.path.join(folder, name), "rb") as handle:
                    assert password.encode() not in handle.read(), name
    credentials = os.path.join(backend.service_data_dir("sa", "mysql"), "credentials.json")
    assert oct(os.stat(credentials).st_mode & 0o777) == "0o600"


def test_ensure_services_again_leaves_running_services_alone(backend, env_a):
    pids = {name: backend.supervisor.info("sa.svc-" + name)["pid"] for name in ALL}
    again = backend.ensure_services("sa", ALL)
    assert again == env_a
    assert {name: backend.supervisor.info("sa.svc-" + name)["pid"] for name in ALL} == pids


def test_snapshot_names_are_checked_before_anything_is_done(backend, env_a):
    from qaeci.backends.base import BackendError

    with pytest.raises(BackendError, match="snapshot name '../x' is not valid"):
        backend.create_snapshot("sa", "../x")
    with pytest.raises(BackendError, match="environment zz has no mysql service to snapshot"):
        backend.create_snapshot("zz", "x")


def test_snapshot_is_a_datadir_tarball_in_the_store(backend, snapshot, store):
    import tarfile

    assert snapshot["database"] == "qaeci" and snapshot["source_env"] == "sa"
    listed = backend.list_snapshots()
    assert [item["name"] for item in listed] == ["books-standard"]
    assert listed[0]["database"] == "qaeci" and listed[0]["source_env"] == "sa"
    assert listed[0]["key"] == "mysql-snapshots/books-standard.tar.gz"
    assert listed[0]["size"] == os.path.getsize(os.path.join(store.root, listed[0]["key"]))
    archive = os.path.join(store.root, "mysql-snapshots", "books-standard.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert {"./qaeci/books.ibd", "./ibdata1", "./mysql/global_priv.MAD"} <= set(names)
    assert not any(name.endswith(".sql") for name in names)


def test_second_env_restores_the_snapshot_with_its_own_account(backend, env_a, env_b):
    assert sql(env_b["mysql"], "SELECT title FROM books ORDER BY id") == "Dune\nSolaris"
    assert env_b["mysql"]["password"] != env_a["mysql"]["password"]
    assert env_b["mysql"]["port"] != env_a["mysql"]["port"]
    sql(env_b["mysql"], "INSERT INTO books VALUES (3, 'Only in sb')")
    assert sql(env_a["mysql"], "SELECT COUNT(*) FROM books") == "2"


def test_redis_and_zookeeper_data_are_per_environment(backend, env_a, env_b):
    assert tcp(env_a["redis"]["port"], b"SET owner sa\r\n") == b"+OK\r\n"
    assert tcp(env_b["redis"]["port"], b"GET owner\r\n") == b"$-1\r\n"
    assert zk_cli(env_a["zookeeper"]["port"], "create", "/only-in-sa", "x").count("Created") == 1
    assert "only-in-sa" not in zk_cli(env_b["zookeeper"]["port"], "ls", "/")
    assert backend.service_data_dir("sa", "redis") != backend.service_data_dir("sb", "redis")


def test_unknown_service_and_missing_snapshot_are_refused(backend, env_b):
    from qaeci.backends.base import BackendError

    with pytest.raises(BackendError, match="unknown base service 'postgres': use one of"):
        backend.ensure_services("sc", {"postgres": {}})
    with pytest.raises(
        BackendError,
        match="mysql snapshot 'nope' is not in the artifact store "
        r"\(available: books-standard\)",
    ):
        backend.ensure_services("sc", {"mysql": {"snapshot": "nope"}})
    # the failed restore left no datadir that looks whole: a fresh start goes through
    data_dir = backend.service_data_dir("sc", "mysql")
    assert not os.path.exists(os.path.join(data_dir, "db"))
    os.makedirs(os.path.join(data_dir, "db.partial", "mysql"))  # as a crash mid-unpack leaves
    fresh = backend.ensure_services("sc", {"mysql": {}})["mysql"]
    assert sql(fresh, "SHOW TABLES") == ""
    backend.destroy("sc")


def test_destroy_env_stops_its_services_and_removes_its_data(backend, env_a, env_b, work_dir):
    data = backend.env_dir("sb")
    sb_pids = [
        backend.supervisor.info("sb.svc-" + name)["pid"] for name in ("mysql", "redis", "zookeeper")
    ]
    backend.destroy("sb")
    live = {pid for pid, _cmd in processes_using(work_dir)}
    assert not live & set(sb_pids)
    assert not [cmd for _pid, cmd in processes_using(data)]
    assert not os.path.exists(data)
    assert backend.services_status("sb") == {}
    assert backend.services_status("sa")["mysql"]["status"] == "healthy"
    backend.destroy("sa")
    assert wait_for(lambda: processes_using(work_dir) == [], timeout=15)
    assert backend.environments() == []
