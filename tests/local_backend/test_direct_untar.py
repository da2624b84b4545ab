"""Snapshot archives are unpacked by qaeci's own direct-I/O tar reader: what it writes must be
what GNU tar and Python's tarfile would write, and a bad archive must be refused in one line."""

import gzip
import io
import os
import shutil
import subprocess
import tarfile

import pytest
from qaeci.services import direct_untar, snapshots
from qaeci.services.base import ServiceError

SIZES = {
    "empty": 0,
    "one": 1,
    "short-block": 4095,
    "block": 4096,
    "several-chunks-and-a-tail": 2 * direct_untar.CHUNK + 12345,
}
LONG_NAME = "db/" + "a_table_with_a_name_longer_than_ustar_allows_" * 3 + ".ibd"


def _content(name, size):
    seed = name.encode() * (1 + size // max(len(name), 1))
    return (seed + bytes(range(256)) * (1 + size // 256))[:size]


def _make_tree(root):
    os.makedirs(os.path.join(root, "db", "schema"))
    for name, size in SIZES.items():
        with open(os.path.join(root, "db", name), "wb") as handle:
            handle.write(_content(name, size))
    with open(os.path.join(root, LONG_NAME), "wb") as handle:
        handle.write(b"long name")
    os.chmod(os.path.join(root, "db", "one"), 0o640)
    os.utime(os.path.join(root, "db", "block"), (1700000000, 1700000000))
    os.symlink("block", os.path.join(root, "db", "link-to-block"))
    os.symlink(os.path.basename(LONG_NAME), os.path.join(root, "db", "link-with-a-long-target"))


def _pack(source, archive, tar_format):
    with tarfile.open(archive, "w", format=tar_format) as tar:
        tar.add(source, arcname=".")


def _untar(archive, target):
    os.makedirs(target, exist_ok=True)
    with open(archive, "rb") as stream:
        direct_untar.untar(stream.fileno(), target)


def _describe(root):
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root)
            if os.path.islink(path):
                found[relative] = ("link", os.readlink(path))
                continue
            with open(path, "rb") as handle:
                stat = os.stat(path)
                found[relative] = (handle.read(), oct(stat.st_mode & 0o777), int(stat.st_mtime))
    return found


@pytest.mark.parametrize("tar_format", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_files_are_unpacked_exactly_as_packed(tmp_path, tar_format):
    _make_tree(str(tmp_path / "source"))
    _pack(str(tmp_path / "source"), str(tmp_path / "a.tar"), tar_format)
    _untar(str(tmp_path / "a.tar"), str(tmp_path / "out"))
    assert _describe(str(tmp_path / "out")) == _describe(str(tmp_path / "source"))
    assert os.path.getsize(str(tmp_path / "out" / "db" / "short-block")) == 4095


def test_gnu_tar_archive_with_padding_after_the_end_marker(tmp_path):
    """GNU tar pads the archive to its record size; the reader reads to the end."""
    _make_tree(str(tmp_path / "source"))
    archive = str(tmp_path / "a.tar")
    subprocess.run(["tar", "-C", str(tmp_path / "source"), "-cf", archive, "."], check=True)
    _untar(archive, str(tmp_path / "out"))
    assert _describe(str(tmp_path / "out")) == _describe(str(tmp_path / "source"))


def test_a_file_system_without_direct_io_is_written_normally(tmp_path):
    if not os.path.isdir("/dev/shm"):
        pytest.skip("no tmpfs at /dev/shm on this machine")
    _make_tree(str(tmp_path / "source"))
    _pack(str(tmp_path / "source"), str(tmp_path / "a.tar"), tarfile.GNU_FORMAT)
    target = os.path.join("/dev/shm", "qaeci-untar-%d" % os.getpid())
    try:
        _untar(str(tmp_path / "a.tar"), target)
        assert _describe(target) == _describe(str(tmp_path / "source"))
    finally:
        shutil.rmtree(target, ignore_errors=True)


def _archive_with(tmp_path, member, data=b""):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        tar.addfile(member, io.BytesIO(data) if member.isreg() else None)
    path = str(tmp_path / "bad.tar")
    with open(path, "wb") as handle:
        handle.write(buffer.getvalue())
    return path


def test_a_member_leaving_the_target_is_refused(tmp_path):
    member = tarfile.TarInfo("../escaped")
    member.size = 3
    archive = _archive_with(tmp_path, member, b"bad")
    with pytest.raises(direct_untar.UntarError, match="archive member refused: .*escaped"):
        _untar(archive, str(tmp_path / "out"))
    assert not os.path.exists(str(tmp_path / "escaped"))


@pytest.mark.parametrize(
    "kind, refusal",
    [
        (tarfile.FIFOTYPE, "archive member refused: 'member' is a special file"),
        (tarfile.LNKTYPE, "archive member member is of a kind a data directory never holds"),
    ],
)
def test_a_member_kind_no_datadir_holds_is_refused(tmp_path, kind, refusal):
    member = tarfile.TarInfo("member")
    member.type = kind
    member.linkname = "member" if kind == tarfile.LNKTYPE else ""
    archive = _archive_with(tmp_path, member)
    with pytest.raises(direct_untar.UntarError, match=refusal):
        _untar(archive, str(tmp_path / "out"))


def test_a_truncated_archive_is_refused(tmp_path):
    _make_tree(str(tmp_path / "source"))
    _pack(str(tmp_path / "source"), str(tmp_path / "a.tar"), tarfile.GNU_FORMAT)
    with open(str(tmp_path / "a.tar"), "r+b") as handle:
        handle.truncate(os.path.getsize(str(tmp_path / "a.tar")) // 2)
    with pytest.raises(direct_untar.UntarError, match="archive ends in the middle of"):
        _untar(str(tmp_path / "a.tar"), str(tmp_path / "out"))


def test_unpack_datadir_names_a_damaged_archive_in_one_line(tmp_path):
    archive = str(tmp_path / "snap.tar.gz")
    with open(archive, "wb") as handle:
        handle.write(gzip.compress(b"x" * 100000)[:5000])
    with pytest.raises(ServiceError) as raised:
        snapshots.unpack_datadir(archive, str(tmp_path / "datadir"))
    message = str(raised.value)
    assert message.startswith("unpacking %s into %s failed: " % (archive, tmp_path / "datadir"))
    assert "\n" not in message


def test_unpack_datadir_round_trips_pack_datadir(tmp_path):
    _make_tree(str(tmp_path / "source"))
    archive = str(tmp_path / "snap.tar.gz")
    snapshots.pack_datadir(str(tmp_path / "source"), archive)
    snapshots.unpack_datadir(archive, str(tmp_path / "datadir"))
    assert _describe(str(tmp_path / "datadir")) == _describe(str(tmp_path / "source"))
