"""Unpack a tar stream into a directory, writing file data with O_DIRECT.

A restored MariaDB datadir is written once and then read by InnoDB, which opens its files with
O_DIRECT and keeps pages in its own buffer pool. Writing the files through the page cache would
only fill a gigabyte of memory with dirty copies nobody reads, and allocating that memory is
what a restore spent most of its time on (on a VM, first-touched pages are slow). So file data
goes from the decompressor's pipe into aligned buffers and from there straight to disk, one
buffer being written while the next is read.

Only what a data directory holds is accepted: regular files, directories and symlinks, with GNU
long names and pax paths; every member passes tarfile's `data_filter` (or, on a Python without
it, the same checks: see tar_members), so nothing lands outside the target. Where the file
system refuses O_DIRECT (tmpfs), files are written normally.
"""

import errno
import fcntl
import mmap
import os
import tarfile
from concurrent.futures import ThreadPoolExecutor

from qaeci.services.tar_members import MemberRefused, data_member

BLOCK = tarfile.BLOCKSIZE
CHUNK = 8 << 20  # bytes per direct write
ALIGN = 4096  # O_DIRECT needs offsets, lengths and the buffer aligned to the device's block
PIPE_BYTES = 1 << 20
# fcntl names F_SETPIPE_SZ from Python 3.10 on; the pack also runs on 3.8, where Linux's value
# is used (elsewhere the call fails with OSError, which is allowed).
LINUX_F_SETPIPE_SZ = 1031
EXTENDED_HEADERS = (
    tarfile.GNUTYPE_LONGNAME,
    tarfile.GNUTYPE_LONGLINK,
    tarfile.XHDTYPE,
    tarfile.XGLTYPE,
)
MAX_EXTENDED_HEADER = 1 << 20
PAX_KEYS = {b"path": str, b"linkpath": str, b"size": int, b"mtime": float}  # what a datadir needs


class UntarError(Exception):
    """The stream is not a tar archive of a data directory, or ended early."""


class _Reader:
    """Exact reads from a (pipe) file descriptor."""

    def __init__(self, fd):
        self.fd = fd
        self.header = bytearray(BLOCK)
        try:
            set_pipe_size = getattr(fcntl, "F_SETPIPE_SZ", LINUX_F_SETPIPE_SZ)
            fcntl.fcntl(fd, set_pipe_size, PIPE_BYTES)  # fewer, larger reads
        except OSError:
            pass  # not a pipe, or the system's pipe limit is lower: default reads still work

    def fill(self, view):
        """Fill view completely; return how many bytes came before the stream ended."""
        got = 0
        while got < len(view):
            count = os.readv(self.fd, [view[got:]])
            if count == 0:
                break
            got += count
        return got

    def exact(self, view, what):
        if self.fill(view) != len(view):
            raise UntarError("archive ends in the middle of %s" % what)

    def drain(self):
        """Read the stream to its end, so its writer finishes without a broken pipe."""
        chunk = b"more"
        while chunk:
            chunk = os.read(self.fd, 1 << 16)

    def skip(self, count, what):
        scratch = memoryview(bytearray(min(count, 1 << 16) or 1))
        while count:
            step = min(count, len(scratch))
            self.exact(scratch[:step], what)
            count -= step


def _padding(size):
    return -size % BLOCK


def _aligned(size):
    return size + (-size % ALIGN)


class _Writer:
    """Writes one chunk to disk while the next is read: two aligned buffers, one thread."""

    def __init__(self):
        self.buffers = [mmap.mmap(-1, CHUNK) for _ in range(2)]  # page-aligned for O_DIRECT
        self.pending = [None, None]
        self.turn = 0
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="untar-write")

    def buffer(self):
        """The next free buffer, as a memoryview."""
        self._wait(self.turn)
        return memoryview(self.buffers[self.turn])

    def write(self, fd, length):
        """Write the first `length` bytes of the buffer last handed out, in the background."""
        view = memoryview(self.buffers[self.turn])[:length]
        self.pending[self.turn] = self.pool.submit(_write_all, fd, view)
        self.turn ^= 1

    def drain(self):
        for index in range(2):
            self._wait(index)

    def _wait(self, index):
        job, self.pending[index] = self.pending[index], None
        if job is not None:
            job.result()

    def close(self):
        self.pool.shutdown(wait=True)  # the buffers go with the writer (views may remain)


def untar(fd, target):
    """Read a tar stream from fd and unpack it under target (which must exist)."""
    writer = _Writer()
    try:
        _unpack_members(_Reader(fd), writer, os.path.abspath(target))
    finally:
        writer.close()


def _unpack_members(reader, writer, target):
    overrides = {}
    directories = []
    while True:
        reader.exact(memoryview(reader.header), "a member header")
        if not any(reader.header):
            reader.drain()  # the marker's second block and the record's padding follow
            break
        try:
            member = tarfile.TarInfo.frombuf(bytes(reader.header), "utf-8", "surrogateescape")
        except tarfile.HeaderError as exc:
            raise UntarError("not a tar archive (%s)" % exc) from None
        if member.type in EXTENDED_HEADERS:
            _read_extended(reader, member, overrides)
            continue
        member.name = overrides.pop("path", member.name)
        member.linkname = overrides.pop("linkpath", member.linkname)
        member.size = overrides.pop("size", member.size)
        member.mtime = overrides.pop("mtime", member.mtime)
        _unpack_member(reader, writer, target, member, directories)
    for path, mode in reversed(directories):  # after their contents: a directory may be 0500
        os.chmod(path, mode)


def _read_extended(reader, member, overrides):
    if member.size > MAX_EXTENDED_HEADER:
        raise UntarError(
            "archive has an extended header of %d bytes: not a data directory's" % member.size
        )
    data = bytearray(member.size + _padding(member.size))
    reader.exact(memoryview(data), "an extended header")
    data = bytes(data[: member.size])
    if member.type == tarfile.GNUTYPE_LONGNAME:
        overrides["path"] = data.rstrip(b"\0").decode("utf-8", "surrogateescape")
    elif member.type == tarfile.GNUTYPE_LONGLINK:
        overrides["linkpath"] = data.rstrip(b"\0").decode("utf-8", "surrogateescape")
    elif member.type == tarfile.XHDTYPE:
        overrides.update(_pax_records(data))


def _pax_records(data):
    """pax records are "LENGTH KEY=VALUE\\n"; keep the ones a data directory needs."""
    records, offset = {}, 0
    while offset < len(data):
        length_text, _, _ = data[offset : offset + 20].partition(b" ")
        try:
            length = int(length_text)
        except ValueError:
            length = 0
        if length <= len(length_text):
            raise UntarError("archive has a malformed pax header")
        record = data[offset + len(length_text) + 1 : offset + length - 1]
        key, _, value = record.partition(b"=")
        if key in PAX_KEYS:
            try:
                records[key.decode()] = PAX_KEYS[key](value.decode("utf-8", "surrogateescape"))
            except ValueError:
                raise UntarError("archive has a malformed pax %s" % key.decode()) from None
        offset += length
    return records


def _unpack_member(reader, writer, target, member, directories):
    try:
        member = data_member(member, target)
    except MemberRefused as exc:
        raise UntarError("archive member refused: %s" % exc) from None
    path = os.path.join(target, member.name)
    if member.isdir():
        os.makedirs(path, exist_ok=True)
        if member.mode is not None:
            directories.append((path, member.mode))
    elif member.isreg():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _write_file(reader, writer, path, member)
        reader.skip(_padding(member.size), "file padding")
    elif member.issym():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink(member.linkname, path)
    else:
        raise UntarError(
            "archive member %s is of a kind a data directory never holds "
            "(tar type %r)" % (member.name, member.type)
        )


def _open_for_writing(path, mode):
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        return os.open(path, flags | os.O_DIRECT, mode)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
        return os.open(path, flags, mode)  # the file system has no direct I/O


def _write_file(reader, writer, path, member):
    mode = member.mode if member.mode is not None else 0o600
    fd = _open_for_writing(path, mode)
    try:
        try:
            _copy_data(reader, writer, fd, member)
        finally:
            writer.drain()  # no write may still be using fd when it closes
        if member.size % ALIGN:
            os.ftruncate(fd, member.size)
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    if member.mtime is not None:
        os.utime(path, (member.mtime, member.mtime))


def _copy_data(reader, writer, fd, member):
    remaining = member.size
    while remaining:
        step = min(CHUNK, remaining)
        buffer = writer.buffer()
        reader.exact(buffer[:step], member.name)
        if step % ALIGN:  # the file's tail: write whole blocks, cut to size once written
            buffer[step : _aligned(step)] = bytes(_aligned(step) - step)
        writer.write(fd, _aligned(step))
        remaining -= step


def _write_all(fd, view):
    while len(view):
        written = os.write(fd, view)
        view = view[written:]
