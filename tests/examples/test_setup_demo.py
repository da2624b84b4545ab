"""examples/setup_demo.py: one git repository per demo app and a registry pointing at them."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from demo_stand_ins import DEMO_APPS, EXAMPLES, REGISTRY_APPS

SETUP = EXAMPLES / "setup_demo.py"
APP_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
BUILD_METHODS = {"mvn", "npm", "make", "shell", "none"}
RUNTIME_TYPES = {"command", "tomcat", "java", "python", "static"}


def run_setup(*args):
    return subprocess.run(
        [sys.executable, str(SETUP), *args], capture_output=True, text=True, timeout=120
    )


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()


def head(repo):
    return git(repo, "rev-parse", "refs/heads/main")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    target = tmp_path_factory.mktemp("demo-target")
    done = run_setup("--target", str(target))
    assert done.returncode == 0, done.stderr
    return target, Path(done.stdout.strip())


def test_prints_only_the_registry_path(demo):
    target, registry = demo
    assert registry == target / "registry"
    assert sorted(p.stem for p in (registry / "apps").glob("*.yaml")) == REGISTRY_APPS
    assert sorted(p.stem for p in (registry / "envs").glob("*.yaml")) == ["demo", "demo-seed"]


def test_each_app_is_a_git_repository_on_main_with_its_source(demo):
    target, _ = demo
    for code in REGISTRY_APPS:
        repo = target / "git" / code
        remote = subprocess.run(
            ["git", "ls-remote", repo.as_uri()],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
        assert re.search(r"^[0-9a-f]{40}\trefs/heads/main$", remote, re.M), remote
        tracked = set(git(repo, "ls-files").splitlines())
        assert "conf/app.json" in tracked
        for relative in tracked:
            assert (EXAMPLES / "apps" / code / relative).read_bytes() == (
                repo / relative
            ).read_bytes()
    # The fake secret is in the repository: only the build's `exclude` keeps it out of the artifact.
    assert "prod_db.secret" in git(target / "git" / "books", "ls-files").splitlines()
    # dbseed's seed.sql is a symlink to examples/db/demo_seed.sql: its repository holds the content.
    assert (
        git(target / "git" / "dbseed", "show", "HEAD:seed.sql")
        == (EXAMPLES / "db" / "demo_seed.sql").read_text().strip()
    )


def test_registry_has_every_field_design_requires(demo):
    target, registry = demo
    codes = set(REGISTRY_APPS)
    for path in sorted((registry / "apps").glob("*.yaml")):
        app = yaml.safe_load(path.read_text())
        assert app["app_code"] == path.stem and APP_CODE.match(app["app_code"])
        assert app["scm"] == {"url": (target / "git" / path.stem).as_uri(), "branch": "main"}
        assert app["build"]["method"] in BUILD_METHODS and app["build"]["artifact"]
        assert app["runtime"]["type"] in RUNTIME_TYPES and "$" not in app["runtime"]["command"]
        assert {"cpus", "mem", "instances", "config_templates"} <= set(app["runtime"])
        assert app["check"]["urls"] and all(url.startswith("/") for url in app["check"]["urls"])
        assert isinstance(app["check"]["timeout"], int)
        assert set(app["depends_on"]) <= codes - {path.stem}
        assert set(app["services"]) <= {"mysql", "redis", "memcached", "zookeeper"}
        # Everything but the URL is the checked-in registry's.
        original = yaml.safe_load((EXAMPLES / "registry" / "apps" / path.name).read_text())
        assert {k: v for k, v in app.items() if k != "scm"} == {
            k: v for k, v in original.items() if k != "scm"
        }
    for path in sorted((registry / "envs").glob("*.yaml")):
        env = yaml.safe_load(path.read_text())
        assert env["name"] == path.stem and DNS_LABEL.match(env["name"])
        assert env["deploy_type"] in {"dev", "beta"} and env["managers"]
        assert set(env["apps"]) <= codes
    env = yaml.safe_load((registry / "envs" / "demo.yaml").read_text())
    assert set(env["apps"]) == set(DEMO_APPS)
    used = {
        service
        for code in DEMO_APPS
        for service in yaml.safe_load((registry / "apps" / f"{code}.yaml").read_text())["services"]
    }
    assert used == set(env["services"]) == {"mysql", "redis"}
    assert env["services"]["mysql"]["snapshot"] == "demo-standard"
    assert (EXAMPLES / "db" / "demo_seed.sql").is_file()


def test_the_demo_covers_languages_and_build_methods(demo):
    _, registry = demo
    apps = [yaml.safe_load(p.read_text()) for p in (registry / "apps").glob("*.yaml")]
    assert {"make", "shell", "none"} <= {app["build"]["method"] for app in apps}
    assert {app["runtime"]["command"].split()[0] for app in apps} == {"python3", "node"}
    assert any(app["build"].get("exclude") for app in apps)
    assert len(apps) >= 6


def test_a_cloned_repository_builds_with_its_registry_command(demo, tmp_path):
    target, registry = demo
    shop = yaml.safe_load((registry / "apps" / "shop.yaml").read_text())
    clone = tmp_path / "shop"
    subprocess.run(
        ["git", "clone", "-q", "--branch", shop["scm"]["branch"], shop["scm"]["url"], str(clone)],
        check=True,
        timeout=60,
    )
    subprocess.run(
        shop["build"]["command"].split(), cwd=clone, check=True, capture_output=True, timeout=60
    )
    assert (clone / shop["build"]["artifact"] / "server.js").is_file()


def test_running_again_commits_nothing(demo):
    target, _ = demo
    before = {code: head(target / "git" / code) for code in REGISTRY_APPS}
    done = run_setup("--target", str(target))
    assert done.returncode == 0, done.stderr
    assert {code: head(target / "git" / code) for code in REGISTRY_APPS} == before
    assert done.stderr.count("unchanged") == len(REGISTRY_APPS)


def test_a_changed_source_gets_a_new_commit_in_its_repository_only(tmp_path):
    apps_dir = tmp_path / "apps"
    shutil.copytree(EXAMPLES / "apps", apps_dir)
    target = tmp_path / "target"
    args = ["--target", str(target), "--apps-dir", str(apps_dir)]
    assert run_setup(*args).returncode == 0
    before = {code: head(target / "git" / code) for code in REGISTRY_APPS}
    (apps_dir / "status" / "server.py").write_text("# changed\n")
    (apps_dir / "status" / ".gitignore").unlink()
    assert run_setup(*args).returncode == 0
    after = {code: head(target / "git" / code) for code in REGISTRY_APPS}
    assert [code for code in REGISTRY_APPS if after[code] != before[code]] == ["status"]
    repo = target / "git" / "status"
    assert git(repo, "show", "HEAD:server.py") == "# changed"
    assert ".gitignore" not in git(repo, "ls-files").splitlines()
    assert git(repo, "rev-list", "--count", "HEAD") == "2"


def test_an_app_without_source_is_refused_in_one_line(tmp_path):
    registry = tmp_path / "registry"
    shutil.copytree(EXAMPLES / "registry", registry)
    (registry / "apps" / "ghost.yaml").write_text((registry / "apps" / "books.yaml").read_text())
    done = run_setup("--target", str(tmp_path / "t"), "--registry-dir", str(registry))
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith("setup_demo: error: no source for app 'ghost'")
    )


def test_a_target_repository_path_that_is_not_a_repository_is_refused(tmp_path):
    (tmp_path / "git" / "books").mkdir(parents=True)
    (tmp_path / "git" / "books" / "precious.txt").write_text("keep me")
    done = run_setup("--target", str(tmp_path))
    assert done.returncode == 2 and "is not a git repository" in done.stderr
    assert (tmp_path / "git" / "books" / "precious.txt").read_text() == "keep me"


def test_the_qaeci_registry_loader_accepts_the_generated_registry(demo):
    _, registry = demo
    sys.path.insert(0, str(EXAMPLES.parent / "packs" / "qaeci" / "lib"))
    try:
        from qaeci.registry import Registry
    finally:
        sys.path.pop(0)
    loaded = Registry.load(str(registry))
    loaded.validate_all()
    assert sorted(loaded.template("demo").app_codes) == sorted(DEMO_APPS)
