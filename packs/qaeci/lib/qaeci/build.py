"""Build one app at one commit and upload its artifact.

A per-app workspace under WORK_DIR/workspaces is cloned once and then fetched (kept warm); the
commit is checked out, the method's build runs with its output in a per-app log, and `artifact`
minus `exclude` is packed as a tar.gz and uploaded under the build key.
"""

import fcntl
import fnmatch
import os
import subprocess
import tarfile
import tempfile
import time

from qaeci import gitops
from qaeci.errors import BuildError

DEFAULT_BUILD_TIMEOUT = 1800

# argv lists per method; a registry `command` replaces them (run by bash -c in the workspace:
# it is the app owner's own text, never anything typed in chat).
DEFAULT_COMMANDS = {
    "mvn": [["mvn", "-q", "-B", "-DskipTests", "package"]],
    "npm": [["npm", "install", "--no-audit", "--no-fund"], ["npm", "run", "build", "--if-present"]],
    "make": [["make"]],
    "none": [],
}


class BuildResult(object):
    def __init__(self, ok, key, log_path, reason="", seconds=0.0):
        self.ok = ok
        self.key = key
        self.log_path = log_path
        self.reason = reason
        self.seconds = seconds

    def as_dict(self):
        return {
            "ok": self.ok,
            "build_key": self.key,
            "log_path": self.log_path,
            "reason": self.reason,
            "seconds": round(self.seconds, 3),
        }


def build_commands(build):
    method = build["method"]
    if build.get("command"):
        return [["bash", "-c", build["command"]]]
    if method == "shell":
        raise BuildError("build method shell needs build.command; fix: add the command to run")
    return DEFAULT_COMMANDS[method]


def build_app(app, commit, key, store, work_dir):
    """Build APP at COMMIT unless KEY is already in STORE. Never raises for a failed build:
    the result says what failed and where the log is."""
    started = time.monotonic()
    log_path = os.path.join(work_dir, "build-logs", "%s-%s.log" % (app.code, commit[:12]))
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    workspace = os.path.join(work_dir, "workspaces", app.code)
    os.makedirs(os.path.dirname(workspace), exist_ok=True)
    with open(log_path, "w") as log, _workspace_lock(workspace):
        try:
            if store.exists(key):  # another environment built it while we waited for the lock
                log.write("artifact %s already in the store\n" % key)
                return BuildResult(True, key, log_path, seconds=time.monotonic() - started)
            log.write("checking out %s at %s\n" % (app.scm_url, commit))
            log.flush()
            gitops.sync_workspace(app.scm_url, workspace, commit)
            _run_build(app, workspace, log)
            _package_and_upload(app, workspace, key, store, work_dir)
            log.write("uploaded %s\n" % store.url(key))
        except BuildError as error:
            log.write("FAILED: %s\n" % error)
            return BuildResult(False, key, log_path, str(error), time.monotonic() - started)
    return BuildResult(True, key, log_path, seconds=time.monotonic() - started)


def _run_build(app, workspace, log):
    timeout = app.build.get("timeout", DEFAULT_BUILD_TIMEOUT)
    deadline = time.monotonic() + timeout
    for argv in build_commands(app.build):
        log.write("$ %s\n" % " ".join(argv))
        log.flush()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BuildError(
                "build timed out after %ss; fix: speed it up or raise build.timeout" % timeout
            )
        try:
            completed = subprocess.run(
                argv,
                cwd=workspace,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=remaining,
            )
        except subprocess.TimeoutExpired as error:
            raise BuildError(
                "build timed out after %ss; fix: speed it up or raise build.timeout" % timeout
            ) from error
        except OSError as error:
            raise BuildError(
                "cannot run %s (%s); fix: install it on the build host" % (argv[0], error.strerror)
            ) from error
        if completed.returncode != 0:
            raise BuildError(
                "%s build exited with %d; see the build log"
                % (app.build["method"], completed.returncode)
            )


def _package_and_upload(app, workspace, key, store, work_dir):
    artifact = app.build.get("artifact", ".")
    source = os.path.normpath(os.path.join(workspace, artifact))
    if not (source == workspace or source.startswith(workspace + os.sep)):
        raise BuildError(
            "build.artifact %s leaves the workspace; fix: use a path inside the "
            "repository" % artifact
        )
    if not os.path.exists(source):
        raise BuildError(
            "build produced no %s; fix: correct build.artifact or the build command" % artifact
        )
    excludes = list(app.build.get("exclude") or [])
    tmp_dir = os.path.join(work_dir, "tmp")
    os.makedirs(tmp_dir, exist_ok=True)
    handle, tarball = tempfile.mkstemp(dir=tmp_dir, suffix=".tar.gz")
    os.close(handle)
    try:
        pack(source, tarball, excludes)
        store.put(key, tarball)
    finally:
        os.unlink(tarball)


def pack(source, tarball, excludes):
    """Pack SOURCE (a directory's contents, or one file) into TARBALL, leaving out EXCLUDES
    (glob patterns matched against the relative path and the base name) and .git."""

    def keep(relative):
        name = os.path.basename(relative)
        if name == ".git":
            return False
        return not any(
            fnmatch.fnmatch(relative, pattern)
            or fnmatch.fnmatch(name, pattern)
            or fnmatch.fnmatch(relative, pattern.rstrip("/") + "/*")
            for pattern in excludes
        )

    with tarfile.open(tarball, "w:gz") as archive:
        if os.path.isfile(source):
            if keep(os.path.basename(source)):
                archive.add(source, arcname=os.path.basename(source))
            return
        for directory, subdirs, files in os.walk(source):
            relative_dir = os.path.relpath(directory, source)
            subdirs[:] = sorted(d for d in subdirs if keep(_rel(relative_dir, d)))
            for name in sorted(files):
                relative = _rel(relative_dir, name)
                if keep(relative):
                    archive.add(os.path.join(directory, name), arcname=relative, recursive=False)
            for name in subdirs:
                archive.add(
                    os.path.join(directory, name), arcname=_rel(relative_dir, name), recursive=False
                )


def unpack(tarball, dest):
    """Unpack an artifact into DEST, refusing members that would land outside it."""
    os.makedirs(dest, exist_ok=True)
    root = os.path.abspath(dest)
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            if not _inside(root, os.path.join(root, member.name)) or not _link_inside(root, member):
                raise BuildError(
                    "artifact member %s points outside the artifact; fix: rebuild "
                    "without absolute paths or links leaving the tree" % member.name
                )
        archive.extractall(root)


def _inside(root, path):
    path = os.path.abspath(path)
    return path == root or path.startswith(root + os.sep)


def _link_inside(root, member):
    if member.issym():
        base = os.path.dirname(os.path.join(root, member.name))
        return not os.path.isabs(member.linkname) and _inside(
            root, os.path.join(base, member.linkname)
        )
    if member.islnk():
        return _inside(root, os.path.join(root, member.linkname))
    return True


def _rel(relative_dir, name):
    return name if relative_dir == "." else os.path.join(relative_dir, name)


class _workspace_lock(object):
    """An exclusive lock on a workspace, so two environments never build in it at once."""

    def __init__(self, workspace):
        self.path = workspace + ".lock"

    def __enter__(self):
        self.handle = open(self.path, "w")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
        return False
