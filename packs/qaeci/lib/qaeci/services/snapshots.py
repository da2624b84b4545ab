"""Standard MariaDB snapshots: a tar.gz of a consistent, stopped-state data directory in the
artifact store, under `mysql-snapshots/NAME.tar.gz`, with `mysql-snapshots/NAME.json` beside it
(which database it holds, where and when it was taken). Restoring one is unpacking files, which is
what makes it many times faster than replaying a SQL dump.

A snapshot is taken from a running server with mariadb-backup (--backup then --prepare gives a
crash-consistent datadir without stopping the server); without mariadb-backup, the caller's
server is stopped, archived and started again.
"""

import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile

from qaeci.services import direct_untar
from qaeci.services.base import ServiceError, current_user
from qaeci.services.mariadb_tools import find_tool

PREFIX = "mysql-snapshots/"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class SnapshotError(ServiceError):
    """A snapshot could not be made, found or restored."""


def check_name(name):
    if not NAME_PATTERN.match(name or ""):
        raise SnapshotError(
            "snapshot name %r is not valid: use letters, digits, '.', '_' and "
            "'-' (e.g. ttsdb-standard)" % name
        )
    return name


def archive_key(name):
    return PREFIX + check_name(name) + ".tar.gz"


def meta_key(name):
    return PREFIX + check_name(name) + ".json"


def _gzip_tool(preferred):
    """The fastest gzip program at hand: pigz compresses on every core; igzip (ISA-L) inflates
    about twice as fast as zlib."""
    return next((program for program in preferred if shutil.which(program)), "gzip")


def pack_datadir(datadir, archive_path):
    result = subprocess.run(
        [
            "tar",
            "-I",
            _gzip_tool(("pigz",)),
            "-C",
            datadir,
            "--exclude=./*.pid",
            "--exclude=./*.sock",
            "-cf",
            archive_path,
            ".",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise SnapshotError("archiving %s failed: %s" % (datadir, result.stdout.strip()[:300]))


def unpack_datadir(archive_path, datadir):
    """Unpack with direct I/O (see direct_untar): the files go to disk, not into memory."""
    os.makedirs(datadir, exist_ok=True)
    inflate = subprocess.Popen(
        [_gzip_tool(("igzip", "pigz")), "-dc", archive_path],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    problem = None
    try:
        direct_untar.untar(inflate.stdout.fileno(), datadir)
    except (direct_untar.UntarError, OSError) as exc:
        problem = str(exc)
    finally:
        inflate.stdout.close()
        errors = inflate.stderr.read().decode("utf-8", "replace").strip()
        inflate.stderr.close()
        code = inflate.wait(timeout=60)
    if code != 0:  # a damaged archive: the decompressor says best what is wrong
        problem = errors.splitlines()[-1][:300] if errors else "decompressor exit %d" % code
    if problem:
        raise SnapshotError("unpacking %s into %s failed: %s" % (archive_path, datadir, problem))


def backup_running_server(socket_path, datadir, target_dir, log_path):
    """mariadb-backup --backup + --prepare into target_dir: a datadir consistent to one point."""
    tool = find_tool("mariadb-backup", "mariabackup")
    common = [tool, "--no-defaults"]
    steps = [
        common
        + [
            "--backup",
            "--target-dir=%s" % target_dir,
            "--socket=%s" % socket_path,
            "--user=%s" % current_user(),
            "--datadir=%s" % datadir,
        ],
        common + ["--prepare", "--target-dir=%s" % target_dir],
    ]
    with open(log_path, "ab") as log:
        for argv in steps:
            result = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, timeout=3600)
            if result.returncode != 0:
                raise SnapshotError(
                    "%s failed (exit %d): see %s"
                    % (" ".join(argv[:3]), result.returncode, log_path)
                )


def has_mariadb_backup():
    try:
        find_tool("mariadb-backup", "mariabackup")
        return True
    except ServiceError:
        return False


def publish(store, name, archive_path, metadata):
    """Put the archive and its metadata into the artifact store."""
    metadata = dict(
        metadata,
        name=name,
        size=os.path.getsize(archive_path),
        created=datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
    )
    store.put(archive_key(name), archive_path)
    meta_path = archive_path + ".json"
    with open(meta_path, "w") as handle:
        json.dump(metadata, handle, indent=1, sort_keys=True)
    store.put(meta_key(name), meta_path)
    os.unlink(meta_path)
    return metadata


def restore_snapshot(store, name, datadir, tmp_dir):
    """Unpack snapshot `name` from the store into datadir; return its metadata."""
    if not store.exists(archive_key(name)):
        available = ", ".join(item["name"] for item in list_snapshots(store)) or "none"
        raise SnapshotError(
            "mysql snapshot %r is not in the artifact store (available: %s): "
            "create it with the snapshot action or fix the template" % (name, available)
        )
    os.makedirs(tmp_dir, exist_ok=True)
    in_place = store.local_path(archive_key(name))
    if in_place:  # a store on this disk: unpack from it, no copy of a gigabyte first
        unpack_datadir(in_place, datadir)
        return read_metadata(store, name, tmp_dir)
    handle, archive = tempfile.mkstemp(suffix=".tar.gz", dir=tmp_dir)
    os.close(handle)
    try:
        store.get(archive_key(name), archive)
        unpack_datadir(archive, datadir)
    finally:
        os.unlink(archive)
    return read_metadata(store, name, tmp_dir)


def read_metadata(store, name, tmp_dir):
    if not store.exists(meta_key(name)):
        return {"name": name}
    handle, path = tempfile.mkstemp(suffix=".json", dir=tmp_dir)
    os.close(handle)
    try:
        store.get(meta_key(name), path)
        with open(path) as stream:
            return json.load(stream)
    finally:
        os.unlink(path)


def _key_name(item):
    return item if isinstance(item, str) else item.get("key", "")


def list_snapshots(store, with_metadata=False):
    """[{"name", "key"}] for every snapshot archive in the store, by name; with_metadata adds
    what publish() recorded (database, source_env, created, size)."""
    found = []
    for key in sorted(_key_name(item) for item in store.list(PREFIX)):
        if key.startswith(PREFIX) and key.endswith(".tar.gz"):
            name = key[len(PREFIX) : -len(".tar.gz")]
            entry = {"name": name, "key": key}
            if with_metadata:
                entry = dict(read_metadata(store, name, tempfile.gettempdir()), **entry)
            found.append(entry)
    return found
