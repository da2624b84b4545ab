"""Users in an htpasswd file (`STATE/htpasswd`), as StackStorm's flat_file auth backend reads one.

Hashes Python verifies without new dependencies: SHA-512 and SHA-256 crypt (`$6$`, `$5$`:
`htpasswd -5|-2`, and what `st2lite user add` writes), bcrypt (`$2y$`, `htpasswd -B`) where the
system's crypt library knows it (libxcrypt, as on Debian), and `{SHA}` (`htpasswd -s`).
Apache's own MD5 (`$apr1$`, htpasswd's default) is refused with a line saying how to re-hash.
"""

import base64
import hashlib
import hmac
import os
import re
import warnings

FILE_NAME = "htpasswd"
USER_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class HtpasswdError(Exception):
    """A one-line, user-facing problem with a user or the file."""


def _crypt():
    with warnings.catch_warnings():  # deprecated in 3.11, still the system's crypt(3) here
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    return crypt


def path_in(state_dir):
    return os.path.join(state_dir, FILE_NAME)


def read_users(path):
    """{name: hash} from the file; an absent file has no users."""
    users = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and ":" in line:
                    name, hashed = line.split(":", 1)
                    users[name] = hashed
    except FileNotFoundError:
        pass
    return users


def verify(path, name, password):
    """True when the file holds `name` with this password."""
    hashed = read_users(path).get(name)
    if hashed is None:
        return False
    if hashed.startswith("{SHA}"):
        expected = base64.b64encode(hashlib.sha1(password.encode("utf-8")).digest()).decode()
        return hmac.compare_digest(expected, hashed[5:])
    if hashed.startswith("$apr1$"):
        raise HtpasswdError(
            "user %r has an Apache MD5 ($apr1$) hash, which st2lite cannot check: "
            "set the password again with `st2lite user add %s --password ...` or "
            "`htpasswd -B`" % (name, name)
        )
    computed = _crypt().crypt(password, hashed)
    return bool(computed) and hmac.compare_digest(computed, hashed)


def add_user(path, name, password):
    """Add `name` or change its password (SHA-512 crypt); the file is created 0600."""
    if not USER_NAME.match(name or ""):
        raise HtpasswdError("invalid user name %r: use 1 to 64 letters, digits, _ . @ or -" % name)
    if not password:
        raise HtpasswdError("the password is empty: give one with --password")
    crypt = _crypt()
    users = read_users(path)
    users[name] = crypt.crypt(password, crypt.mksalt(crypt.METHOD_SHA512))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.writelines("%s:%s\n" % item for item in users.items())
    os.replace(temporary, path)
