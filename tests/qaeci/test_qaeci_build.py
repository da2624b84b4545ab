"""Real builds from real git repositories: shell and make methods, excludes, the warm
workspace, failures with their log, and the file:// artifact store."""

import os
import tarfile

import pytest
from qaeci import build
from qaeci.artifacts import open_store
from qaeci.errors import ArtifactStoreError, BuildError
from qaeci.registry import App
from qaeci_testkit import commit_files, git, make_repo


def make_app(url, **build_section):
    return App(
        {
            "app_code": "svc",
            "scm": {"url": url},
            "build": build_section,
            "runtime": {"type": "static"},
        },
        "apps/svc.yaml",
    )


@pytest.fixture
def repo(tmp_path):
    path = str(tmp_path / "repo")
    url = make_repo(
        path,
        {
            "src/index.html": "v1",
            "src/.env.local": "secret",
            "Makefile": "all:\n\tmkdir -p out\n\tcp src/index.html out/\n\tdate > out/stamp\n",
        },
    )
    return path, url


@pytest.fixture
def store(tmp_path):
    return open_store("file://" + str(tmp_path / "store"))


def members(store, key, tmp_path):
    local = str(tmp_path / "fetched.tar.gz")
    store.get(key, local)
    with tarfile.open(local) as archive:
        return sorted(archive.getnames())


def test_make_build_is_packaged_and_uploaded(repo, store, tmp_path):
    path, url = repo
    commit = git(path, "rev-parse", "HEAD")
    app = make_app(url, method="make", artifact="out")
    result = build.build_app(app, commit, "svc/k1.tar.gz", store, str(tmp_path / "work"))
    assert result.ok, result.reason
    assert store.exists("svc/k1.tar.gz")
    assert members(store, "svc/k1.tar.gz", tmp_path) == ["index.html", "stamp"]
    assert "$ make" in open(result.log_path).read()


def test_shell_build_with_excludes(repo, store, tmp_path):
    path, url = repo
    commit = git(path, "rev-parse", "HEAD")
    app = make_app(
        url,
        method="shell",
        command="echo built > src/built.txt",
        artifact="src",
        exclude=[".env.local"],
    )
    result = build.build_app(app, commit, "svc/k2.tar.gz", store, str(tmp_path / "work"))
    assert result.ok, result.reason
    assert members(store, "svc/k2.tar.gz", tmp_path) == ["built.txt", "index.html"]


def test_workspace_is_cloned_once_then_fetched(repo, store, tmp_path):
    path, url = repo
    work = str(tmp_path / "work")
    first = git(path, "rev-parse", "HEAD")
    app = make_app(
        url, method="shell", command="test -f ../keep || touch cache.keep", artifact="src"
    )
    assert build.build_app(app, first, "svc/a.tar.gz", store, work).ok
    workspace = os.path.join(work, "workspaces", "svc")
    assert os.path.exists(os.path.join(workspace, "cache.keep"))  # untracked: left by the build
    os.utime(os.path.join(workspace, ".git"))
    git_dir_inode = os.stat(os.path.join(workspace, ".git")).st_ino
    second = commit_files(path, {"src/index.html": "v2"}, "v2")
    assert build.build_app(app, second, "svc/b.tar.gz", store, work).ok
    assert os.stat(os.path.join(workspace, ".git")).st_ino == git_dir_inode  # not re-cloned
    assert git(workspace, "rev-parse", "HEAD") == second
    local = str(tmp_path / "b.tar.gz")
    store.get("svc/b.tar.gz", local)
    with tarfile.open(local) as archive:
        assert archive.extractfile("index.html").read() == b"v2"


def test_an_app_whose_repository_moved_is_fetched_from_its_new_url(repo, store, tmp_path):
    path, url = repo
    work = str(tmp_path / "work")
    app = make_app(url, method="none", artifact="src")
    assert build.build_app(app, git(path, "rev-parse", "HEAD"), "svc/a.tar.gz", store, work).ok
    moved = str(tmp_path / "moved")
    git(str(tmp_path), "clone", "--quiet", path, moved)
    git(moved, "config", "user.email", "t@example.com")  # no identity in an empty HOME
    git(moved, "config", "user.name", "t")
    only_there = commit_files(moved, {"src/index.html": "moved"}, "only in the new home")
    app = make_app("file://" + moved, method="none", artifact="src")
    assert build.build_app(app, only_there, "svc/m.tar.gz", store, work).ok
    assert git(os.path.join(work, "workspaces", "svc"), "rev-parse", "HEAD") == only_there


def test_a_failing_build_reports_and_keeps_its_log(repo, store, tmp_path):
    path, url = repo
    commit = git(path, "rev-parse", "HEAD")
    app = make_app(
        url, method="shell", command="echo compiling; echo oops >&2; exit 7", artifact="src"
    )
    result = build.build_app(app, commit, "svc/bad.tar.gz", store, str(tmp_path / "work"))
    assert not result.ok and "exited with 7" in result.reason
    log = open(result.log_path).read()
    assert "compiling" in log and "oops" in log
    assert not store.exists("svc/bad.tar.gz")


def test_missing_artifact_is_a_clear_failure(repo, store, tmp_path):
    path, url = repo
    commit = git(path, "rev-parse", "HEAD")
    app = make_app(url, method="none", artifact="dist")
    result = build.build_app(app, commit, "svc/none.tar.gz", store, str(tmp_path / "work"))
    assert not result.ok and "build produced no dist" in result.reason


def test_an_existing_artifact_is_not_rebuilt(repo, store, tmp_path):
    path, url = repo
    commit = git(path, "rev-parse", "HEAD")
    app = make_app(url, method="shell", command="exit 1", artifact="src")
    source = tmp_path / "ready.tar.gz"
    source.write_bytes(b"already built")
    store.put("svc/ready.tar.gz", str(source))
    result = build.build_app(app, commit, "svc/ready.tar.gz", store, str(tmp_path / "work"))
    assert result.ok
    assert "already in the store" in open(result.log_path).read()


def test_shell_method_without_command_is_refused():
    with pytest.raises(BuildError) as caught:
        build.build_commands({"method": "shell"})
    assert "needs build.command" in str(caught.value)


def test_unpack_refuses_members_leaving_the_tree(tmp_path):
    evil = str(tmp_path / "evil.tar.gz")
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    with tarfile.open(evil, "w:gz") as archive:
        archive.add(str(outside), arcname="../escaped.txt")
    with pytest.raises(BuildError):
        build.unpack(evil, str(tmp_path / "dest"))
    assert not (tmp_path / "escaped.txt").exists()


def test_file_store_lists_and_refuses_escaping_keys(store, tmp_path):
    source = tmp_path / "f"
    source.write_text("data")
    store.put("a/one.tar.gz", str(source))
    store.put("b/two.tar.gz", str(source))
    assert store.list("a/") == ["a/one.tar.gz"]
    assert store.url("a/one.tar.gz").startswith("file://")
    with pytest.raises(ArtifactStoreError):
        store.exists("../outside")
    with pytest.raises(ArtifactStoreError) as caught:
        store.get("c/missing.tar.gz", str(tmp_path / "x"))
    assert "is not in the store" in str(caught.value)
    assert open(store.local_path("a/one.tar.gz")).read() == "data"  # readable in place
    assert store.local_path("c/missing.tar.gz") is None
    with pytest.raises(ArtifactStoreError):
        store.local_path("../outside")


@pytest.mark.parametrize(
    "url, message",
    [
        ("s3://bucket/x", "has no artifact_store_auth"),
        ("swift://c", "has no artifact_store_auth"),
        ("ftp://h/x", "unknown"),
        ("/just/a/path", "no scheme"),
    ],
)
def test_open_store_refuses_other_schemes(url, message):
    with pytest.raises(ArtifactStoreError) as caught:
        open_store(url)
    assert message in str(caught.value)


def test_npm_build_runs_install_and_the_build_script(store, tmp_path):
    path = str(tmp_path / "npmrepo")
    url = make_repo(
        path,
        {
            "package.json": '{"name": "svc", "version": "1.0.0", "private": true, '
            '"scripts": {"build": "mkdir -p dist && echo npm-built > dist/out.txt"}}'
        },
    )
    commit = git(path, "rev-parse", "HEAD")
    app = make_app(url, method="npm", artifact="dist")
    result = build.build_app(app, commit, "svc/npm.tar.gz", store, str(tmp_path / "work"))
    assert result.ok, open(result.log_path).read()
    assert members(store, "svc/npm.tar.gz", tmp_path) == ["out.txt"]
