import shutil

import pytest
from demo_stand_ins import (
    DEMO_APPS,
    REGISTRY_APPS,
    FakeMariaDB,
    FakeRedis,
    RunningApp,
    build_artifact,
    free_port,
    registry_app,
    render_templates,
    template_variables,
)


def dependency_order(codes):
    ordered, placed = [], set()
    while len(ordered) < len(codes):
        ready = [
            c for c in codes if c not in placed and set(registry_app(c)["depends_on"]) <= placed
        ]
        assert ready, f"dependency cycle among {set(codes) - placed}"
        ordered += ready
        placed.update(ready)
    return ordered


@pytest.fixture(scope="session")
def built_artifacts(tmp_path_factory):
    """Every registry app built once by its registry build method, `exclude` removed: {code: dir}."""
    workdir = tmp_path_factory.mktemp("demo-builds")
    return {code: build_artifact(code, workdir) for code in REGISTRY_APPS}


class DemoTree:
    """The demo apps running on loopback against the given MariaDB and Redis (stand-ins or real)."""

    def __init__(self, artifacts, workdir, mysql, redis, extra_env):
        self.artifacts, self.workdir = artifacts, workdir
        self.mysql, self.redis, self.extra_env = mysql, redis, extra_env
        self.ports = {code: free_port() for code in REGISTRY_APPS}
        self.running = {}

    def deploy(self, code):
        artifact = self.workdir / code
        shutil.copytree(self.artifacts[code], artifact)
        variables = template_variables("t", code, self.ports, mysql=self.mysql, redis=self.redis)
        render_templates(artifact, registry_app(code)["runtime"]["config_templates"], variables)
        self.running[code] = RunningApp(code, artifact, self.ports[code], self.extra_env)
        return self.running[code]

    def deploy_all(self):
        for code in dependency_order(DEMO_APPS):
            self.deploy(code)
        return self

    def __getitem__(self, code):
        return self.running[code]

    def stop(self):
        for app in self.running.values():
            app.stop()


@pytest.fixture
def fake_mariadb(tmp_path):
    database = FakeMariaDB(tmp_path / "bin")
    yield database
    database.stop()


@pytest.fixture
def fake_redis():
    redis = FakeRedis()
    yield redis
    redis.stop()


@pytest.fixture
def demo_tree(built_artifacts, tmp_path, fake_mariadb, fake_redis):
    """Factory: a DemoTree on the stand-ins (not yet deployed)."""
    trees = []

    def make(mysql=None, redis=None, real_mariadb_client=False):
        tree = DemoTree(
            built_artifacts,
            tmp_path / f"tree{len(trees)}",
            mysql or fake_mariadb.credentials,
            redis or {"host": "127.0.0.1", "port": fake_redis.port},
            {} if real_mariadb_client else fake_mariadb.env,
        )
        trees.append(tree)
        return tree

    yield make
    for tree in trees:
        tree.stop()
