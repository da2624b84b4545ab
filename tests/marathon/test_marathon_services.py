"""Base services as Marathon apps; MariaDB's data directory comes from the standard snapshot."""

import pytest
from qaeci.backends.base import BackendError


@pytest.fixture
def snapshot(store, tmp_path):
    archive = tmp_path / "std.tar.gz"
    archive.write_bytes(b"a datadir tarball")
    store.put("mysql-snapshots/ttsdb-standard.tar.gz", str(archive))
    return "ttsdb-standard"


def test_services_run_as_apps_and_mysql_fetches_its_snapshot(backend, marathon, store, snapshot):
    services = backend.ensure_services("e1", {"mysql": {"snapshot": snapshot}, "redis": {}})
    assert marathon.apps() == ["/qaeci/e1/svc.mysql", "/qaeci/e1/svc.redis"]
    mysql = services["mysql"]
    assert mysql["host"].startswith("127.") and mysql["user"] == "qaeci" and mysql["password"]
    app = marathon.cluster.apps["/qaeci/e1/svc.mysql"].definition
    assert app["container"]["docker"]["image"] == "mariadb:10.11"
    snapshot_item, init_item = app["fetch"]
    assert snapshot_item["uri"] == store.url("mysql-snapshots/ttsdb-standard.tar.gz")
    assert init_item["destPath"] == "init.sql"
    assert mysql["password"] not in str(app)  # only in the fetched file
    assert backend.services_status("e1")["redis"]["status"] == "healthy"
    assert backend.status("e1") == {}  # services are not apps
    again = backend.ensure_services("e1", {"mysql": {"snapshot": snapshot}})
    assert again["mysql"] == mysql  # running: left as it is


def test_a_missing_snapshot_is_refused_with_the_fix(backend):
    with pytest.raises(BackendError, match="snapshot nope is not in the artifact store"):
        backend.ensure_services("e1", {"mysql": {"snapshot": "nope"}})


def test_env_down_removes_services_and_their_credentials(backend, marathon, snapshot, tmp_path):
    backend.ensure_services("e1", {"mysql": {"snapshot": snapshot}})
    backend.destroy("e1")
    assert marathon.apps() == [] and "/qaeci/e1" not in marathon.groups()
    assert not (tmp_path / "work" / "marathon" / "e1").exists()
