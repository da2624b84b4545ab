"""Which tar members may be unpacked under a directory, and with what permissions.

tarfile's `data_filter` decides where this Python has it (3.12, and the 3.8.17, 3.9.17,
3.10.12 and 3.11.4 security releases onwards). Common 3.8 builds predate it: there the same
rules are checked here, for the member kinds a data directory holds (files, directories,
links). A member is refused when it would land outside the target, when a link is absolute or
points outside the target, or when it is a special file (device, FIFO); leading slashes are
dropped from names, as tar does, and permissions lose setuid/setgid and group/other write bits.
"""

import copy
import os
import tarfile


class MemberRefused(Exception):
    """An archive member that must not be unpacked; the message says which and why."""


def data_member(member, target):
    """The member as it may be unpacked under target, or MemberRefused."""
    builtin = getattr(tarfile, "data_filter", None)  # looked up per call: tests hide it
    if builtin is None:
        return _checked(member, target)
    try:
        return builtin(member, target)
    except tarfile.FilterError as exc:
        raise MemberRefused(str(exc)) from None


def _checked(member, target):
    root = os.path.realpath(target)
    name = member.name.lstrip("/" + os.sep)
    if os.path.isabs(name):  # still absolute once the slashes are gone (a drive letter)
        raise MemberRefused("member %r has an absolute path" % member.name)
    # realpath follows the links unpacked so far: a member cannot escape through one of them.
    landing = os.path.realpath(os.path.join(root, name))
    if not _within(root, landing):
        raise MemberRefused(
            "%r would be extracted to %r, which is outside the destination" % (member.name, landing)
        )
    mode = _safe_mode(member)
    if member.issym() or member.islnk():
        _check_link(member, root, name)
    safe = copy.copy(member)
    safe.name = name
    safe.mode = mode
    return safe


def _safe_mode(member):
    """The mode to give the member: None (directories and symlinks keep what the system
    gives them), else no setuid/setgid/sticky, no group/other write, the owner able to read
    and write, and executable bits only when the owner's is set."""
    if member.isdir() or member.issym():
        return None
    if not (member.isreg() or member.islnk()):
        raise MemberRefused("%r is a special file" % member.name)
    if member.mode is None:
        return None
    mode = member.mode & 0o755
    if not mode & 0o100:
        mode &= ~0o111
    return mode | 0o600


def _check_link(member, root, name):
    if os.path.isabs(member.linkname):
        raise MemberRefused("%r is a link to an absolute path" % member.name)
    # A symlink's target is relative to its own folder, a hard link's to the archive's root.
    folder = os.path.dirname(name) if member.issym() else ""
    pointee = os.path.realpath(os.path.join(root, folder, member.linkname))
    if not _within(root, pointee):
        raise MemberRefused(
            "%r would link to %r, which is outside the destination" % (member.name, pointee)
        )


def _within(root, path):
    return os.path.commonpath([root, path]) == root
