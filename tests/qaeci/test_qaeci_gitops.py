"""Resolving a branch or tag to its commit: a file:// repository's refs are read in place, any
other URL through git ls-remote, with the same answers (annotated tags peeled to commits)."""

import pytest
from qaeci import gitops
from qaeci.errors import PlanError
from qaeci_testkit import GIT_IDENTITY, commit_files, git, make_repo


@pytest.fixture
def repo(tmp_path):
    path = str(tmp_path / "repo")
    url = make_repo(path, {"a.txt": "one"}, branch="main")
    first = git(path, "rev-parse", "HEAD")
    git(path, "tag", "light")
    git(path, *GIT_IDENTITY, "tag", "-a", "-m", "v1", "annotated")
    git(path, "branch", "light-and-branch")
    second = commit_files(path, {"a.txt": "two"}, "two")
    git(path, "branch", "-f", "light-and-branch", second)
    git(path, "tag", "light-and-branch", first)
    return path, url, first, second


@pytest.mark.parametrize(
    "name,which",
    [
        ("main", "second"),
        ("light", "first"),
        ("annotated", "first"),
        ("light-and-branch", "second"),
    ],
)
def test_file_urls_and_ls_remote_resolve_alike(repo, name, which):
    path, url, first, second = repo
    expected = {"first": first, "second": second}[which]
    assert gitops.resolve_commit(url, name) == expected  # read in place
    assert gitops.resolve_commit(path, name) == expected  # a plain path goes through ls-remote


def test_an_unknown_branch_is_refused_with_the_fix(repo):
    path, url, _first, _second = repo
    for where in (url, path):
        with pytest.raises(PlanError, match="branch 'nope' not found in .*; fix: push the branch"):
            gitops.resolve_commit(where, "nope")
