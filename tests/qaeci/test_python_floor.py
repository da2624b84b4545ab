"""The pack runs on Python 3.8 to 3.11 (StackStorm's python runner uses the system's Python):
vermin finds no construct or standard-library name newer than 3.8 in packs/qaeci, and where
the pack uses one when present (direct_untar), its fallback does the same work without it.

vermin does not know tarfile.data_filter (backported to 3.8.17, so no version rule fits it):
the tests of the fallback below are what keep direct_untar working without it."""

import ast
import fcntl
import io
import os
import shutil
import subprocess
import sys
import tarfile
import threading

import pytest
from qaeci.services import direct_untar

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PACK = os.path.join(REPO, "packs", "qaeci")
# --violations with a target makes vermin exit 1 on any construct newer than the target.
# Annotations are checked as evaluated: without `from __future__ import annotations`, 3.8
# evaluates them when the function is defined.
VERMIN = [
    sys.executable,
    "-c",
    "import sys, vermin; sys.exit(vermin.main())",
    "-t=3.8-",
    "--violations",
    "--no-tips",
    "--no-config-file",
    "--eval-annotations",
]
F_GETPIPE_SZ = 1032  # Linux's value (fcntl names it from 3.10 on)


def _vermin(path):
    try:
        import vermin  # noqa: F401
    except ImportError:
        pytest.fail("vermin is not installed: pip install -e '.[test]'")
    return subprocess.run(
        VERMIN + [path],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=120,
    )


def test_pack_code_needs_nothing_newer_than_python_3_8():
    result = _vermin(PACK)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    "source",
    [
        "import fcntl\nfcntl.fcntl(0, fcntl.F_SETPIPE_SZ, 1 << 20)\n",
        "def f(x):\n    match x:\n        case 1:\n            return 2\n",
        "def f(names: list[str]) -> dict[str, int]:\n    return {}\n",
        "import math\nprint(math.lcm(4, 6))\n",
    ],
)
def test_the_vermin_check_fails_on_code_newer_than_3_8(tmp_path, source):
    (tmp_path / "newer.py").write_text(source)
    result = _vermin(str(tmp_path))
    assert result.returncode == 1, result.stdout
    assert "newer.py" in result.stdout


def _union_annotations(path):
    with open(path) as handle:
        tree = ast.parse(handle.read(), path)
    postponed = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    )
    if postponed:
        return []
    annotations = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            arguments += [arg for arg in (node.args.vararg, node.args.kwarg) if arg]
            annotations += [arg.annotation for arg in arguments] + [node.returns]
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
    return [
        "%s:%d" % (os.path.relpath(path, REPO), part.lineno)
        for annotation in annotations
        if annotation is not None
        for part in ast.walk(annotation)
        if isinstance(part, ast.BinOp) and isinstance(part.op, ast.BitOr)
    ]


def test_no_x_or_y_annotation_is_evaluated_at_run_time():
    """vermin cannot tell `int | None` from `a | b` reliably; an annotation can be checked."""
    found = []
    for folder, _, files in os.walk(PACK):
        found += [
            hit
            for name in sorted(files)
            if name.endswith(".py")
            for hit in _union_annotations(os.path.join(folder, name))
        ]
    assert found == [], "X | Y annotations fail on Python 3.8-3.9: %s" % ", ".join(found)


# -- direct_untar without fcntl.F_SETPIPE_SZ (Python < 3.10) ----------------------------------


def _tar_bytes(members):
    """A GNU tar archive of (TarInfo, data or None) pairs."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for member, data in members:
            if data is not None:
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def _untar_from_pipe(archive, target):
    """Unpack through a pipe, as a restore reads the decompressor; the pipe's size after."""
    read_fd, write_fd = os.pipe()

    def feed():
        try:
            with os.fdopen(write_fd, "wb") as stream:
                stream.write(archive)
        except BrokenPipeError:
            pass  # the reader stopped early (a refused member): its error is the outcome

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        direct_untar.untar(read_fd, target)
        return fcntl.fcntl(read_fd, F_GETPIPE_SZ)
    finally:
        os.close(read_fd)  # a writer still blocked on the pipe gets EPIPE and ends
        writer.join(timeout=60)


def test_the_pipe_is_enlarged_without_fcntl_naming_f_setpipe_sz(tmp_path, monkeypatch):
    with open("/proc/sys/fs/pipe-max-size") as handle:
        if int(handle.read()) < direct_untar.PIPE_BYTES:
            pytest.skip("this system's pipe-max-size is below %d" % direct_untar.PIPE_BYTES)
    monkeypatch.delattr(fcntl, "F_SETPIPE_SZ", raising=False)
    data = os.urandom(3 * 65536 + 17)
    target = tmp_path / "out"
    target.mkdir()
    size = _untar_from_pipe(_tar_bytes([(tarfile.TarInfo("db/ibdata1"), data)]), str(target))
    assert size == direct_untar.PIPE_BYTES
    assert (target / "db" / "ibdata1").read_bytes() == data


# -- direct_untar without tarfile.data_filter (Python < 3.8.17) -------------------------------


def _file(name, mode=0o644):
    member = tarfile.TarInfo(name)
    member.mode = mode
    return member, b"data of " + name.encode()


def _entry(name, kind, linkname="", mode=0o755):
    member = tarfile.TarInfo(name)
    member.type = kind
    member.linkname = linkname
    member.mode = mode
    return member, None


ARCHIVES = {
    "a data directory": [
        _entry("db", tarfile.DIRTYPE, mode=0o700),
        _file("db/ibdata1", 0o640),
        _file("db/run.sh", 0o750),
        _entry("db/latest", tarfile.SYMTYPE, "ibdata1"),
        _file("db/" + "long_table_name_" * 8 + ".ibd"),
    ],
    "permissions made safe": [
        _file("setuid", 0o4777),
        _file("world-writable", 0o666),
        _file("unreadable", 0o000),
        _entry("open", tarfile.DIRTYPE, mode=0o777),
    ],
    "a leading slash dropped": [_file("/rooted/file")],
    "a name leaving the target": [_file("../escaped")],
    "a name leaving it half-way": [_entry("sub", tarfile.DIRTYPE), _file("sub/../../escaped")],
    "an absolute symlink": [_entry("passwd", tarfile.SYMTYPE, "/etc/passwd")],
    "a symlink out of the target": [_entry("sub/up", tarfile.SYMTYPE, "../../outside")],
    "a symlink inside": [_file("kept"), _entry("sub/link", tarfile.SYMTYPE, "../kept")],
    "a path through an unpacked symlink": [
        _entry("sub", tarfile.DIRTYPE),
        _entry("hop", tarfile.SYMTYPE, "sub"),
        _file("hop/../../escaped"),
    ],
    "a FIFO": [_entry("fifo", tarfile.FIFOTYPE)],
    "a character device": [_entry("null", tarfile.CHRTYPE)],
    "an absolute hard link": [_entry("shadow", tarfile.LNKTYPE, "/etc/shadow")],
    "a hard link out of the target": [_entry("hard", tarfile.LNKTYPE, "../outside")],
}


def _describe(root):
    found = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root)
            if os.path.islink(path):
                found[relative] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                found[relative] = ("dir",)
            else:
                with open(path, "rb") as handle:
                    found[relative] = (handle.read(), oct(os.stat(path).st_mode & 0o7777))
    return found


def _outcome(archive, base):
    """What unpacking the archive under base/out gives: the tree (with base/out's neighbours,
    where an escaping member would land) or the refusal."""
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(os.path.join(base, "out"))
    try:
        _untar_from_pipe(archive, os.path.join(base, "out"))
    except direct_untar.UntarError as refusal:
        return "refused", str(refusal), _describe(base)
    return "unpacked", _describe(base)


@pytest.mark.parametrize("case", sorted(ARCHIVES))
def test_without_data_filter_members_are_judged_as_data_filter_judges_them(
    tmp_path, monkeypatch, case
):
    if not hasattr(tarfile, "data_filter"):
        pytest.skip("this Python has no tarfile.data_filter to compare with")
    archive = _tar_bytes(ARCHIVES[case])
    base = str(tmp_path / "site")
    with_filter = _outcome(archive, base)
    monkeypatch.delattr(tarfile, "data_filter")
    assert _outcome(archive, base) == with_filter


def test_without_data_filter_a_member_leaving_the_target_is_refused(tmp_path, monkeypatch):
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    base = str(tmp_path / "site")
    kind, message, tree = _outcome(_tar_bytes(ARCHIVES["a name leaving the target"]), base)
    assert (kind, tree) == ("refused", {"out": ("dir",)})
    assert message == (
        "archive member refused: '../escaped' would be extracted to %r, which "
        "is outside the destination" % os.path.join(os.path.realpath(base), "escaped")
    )


def test_without_data_filter_modes_lose_setuid_and_group_write(tmp_path, monkeypatch):
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    kind, tree = _outcome(_tar_bytes(ARCHIVES["permissions made safe"]), str(tmp_path / "site"))
    assert kind == "unpacked"
    assert {name: entry[-1] for name, entry in tree.items() if name.startswith("out/")} == {
        "out/setuid": "0o755",
        "out/world-writable": "0o644",
        "out/unreadable": "0o600",
        "out/open": "dir",
    }
