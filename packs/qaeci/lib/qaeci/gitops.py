"""Git through argv lists only: branch names and URLs never pass through a shell."""

import os
import subprocess
import urllib.parse

from qaeci.errors import BuildError, PlanError

LS_REMOTE_TIMEOUT = 60
FETCH_TIMEOUT = 600


def run_git(args, cwd=None, timeout=FETCH_TIMEOUT, error_class=BuildError):
    """Run `git ARGS`; return stdout, or raise error_class with git's last line of stderr."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    try:
        completed = subprocess.run(
            ["git"] + list(args),
            cwd=cwd,
            env=env,
            timeout=timeout,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
        )
    except subprocess.TimeoutExpired as error:
        raise error_class(
            "git %s timed out after %ss; fix: check the repository is reachable"
            % (args[0], timeout)
        ) from error
    if completed.returncode != 0:
        detail = (completed.stderr.strip().splitlines() or ["exit %d" % completed.returncode])[-1]
        raise error_class("git %s failed: %s" % (args[0], detail))
    return completed.stdout


def resolve_commit(url, branch):
    """The commit sha that BRANCH points to in the repository at URL (git ls-remote; a file://
    repository's refs are read in place, a third of the cost)."""
    wanted = ["refs/heads/" + branch, "refs/tags/" + branch]
    path = _local_path(url)
    refs = _local_refs(path, wanted) if path else _remote_refs(url, wanted)
    return _pick(refs, branch, url)


def _remote_refs(url, wanted):
    peeled = [ref + "^{}" for ref in wanted if ref.startswith("refs/tags/")]
    output = run_git(
        ["ls-remote", "--", url] + wanted + peeled, timeout=LS_REMOTE_TIMEOUT, error_class=PlanError
    )
    refs = {}
    for line in output.splitlines():
        sha, _, ref = line.partition("\t")
        refs[ref.strip()] = sha.strip()
    return refs


def _local_refs(path, wanted):
    """{ref: sha} as ls-remote shows them: an annotated tag also as REF^{} (its commit)."""
    output = run_git(
        ["for-each-ref", "--format=%(objectname) %(refname) %(*objectname)"] + wanted,
        cwd=path,
        timeout=LS_REMOTE_TIMEOUT,
        error_class=PlanError,
    )
    refs = {}
    for line in output.splitlines():
        fields = line.split()
        if len(fields) >= 2:
            refs[fields[1]] = fields[0]
        if len(fields) == 3:
            refs[fields[1] + "^{}"] = fields[2]
    return refs


def _pick(refs, branch, url):
    # A branch wins over a tag of the same name; an annotated tag is peeled to its commit.
    for ref in ("refs/heads/" + branch, "refs/tags/" + branch + "^{}", "refs/tags/" + branch):
        if ref in refs:
            return refs[ref]
    raise PlanError(
        "branch %r not found in %s; fix: push the branch or pick an existing one" % (branch, url)
    )


def sync_workspace(url, workspace, commit):
    """Clone once into WORKSPACE, then fetch; check out COMMIT (detached) for building.

    Ignored files (node_modules, target/, ...) survive between builds, which keeps the cache warm.
    """
    fresh = not os.path.isdir(os.path.join(workspace, ".git"))
    if fresh:
        os.makedirs(os.path.dirname(workspace) or ".", exist_ok=True)
        # No template: a build needs none of the sample hooks git would copy in.
        run_git(
            [
                "clone",
                "--template=",
                "--no-checkout",
                "--quiet",
                "--",
                _clone_source(url),
                workspace,
            ]
        )
    if fresh or _has_commit(workspace, commit):
        try:  # a fresh clone has every branch's commits: no need to ask first
            run_git(["checkout", "--quiet", "--force", "--detach", commit], cwd=workspace)
        except BuildError:
            _fetch_and_checkout(url, workspace, commit)
    else:
        _fetch_and_checkout(url, workspace, commit)
    if not fresh:  # a fresh clone holds nothing untracked
        run_git(["clean", "-q", "-f", "-d"], cwd=workspace)


def _fetch_and_checkout(url, workspace, commit):
    # From the registry's URL itself, whatever the workspace was cloned from (a file://
    # repository's path, or the app's URL before it moved).
    run_git(
        ["fetch", "--quiet", "--tags", "--", url, "+refs/heads/*:refs/remotes/origin/*"],
        cwd=workspace,
    )
    if not _has_commit(workspace, commit):
        raise BuildError(
            "commit %s is not in %s any more; fix: run env up again to resolve the "
            "branch afresh" % (commit, url)
        )
    run_git(["checkout", "--quiet", "--force", "--detach", commit], cwd=workspace)


def _clone_source(url):
    """A file:// repository is cloned from its path: git then links its objects instead of
    packing and sending them (fetches go to the URL)."""
    return _local_path(url) or url


def _local_path(url):
    """The directory of a file:// repository (None for any other URL, or a missing one)."""
    if url.startswith("file://"):
        path = urllib.parse.unquote(urllib.parse.urlparse(url).path)
        if os.path.isdir(path):
            return path
    return None


def _has_commit(workspace, commit):
    try:
        run_git(["cat-file", "-e", commit + "^{commit}"], cwd=workspace, timeout=30)
        return True
    except BuildError:
        return False
