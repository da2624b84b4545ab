"""The htpasswd file: what `st2lite user add` writes, and the hashes htpasswd writes."""

import base64
import hashlib

import pytest

from st2lite.api import htpasswd


def test_user_add_writes_sha512_crypt_in_a_private_file(tmp_path):
    path = str(tmp_path / "htpasswd")
    htpasswd.add_user(path, "alice", "pw")
    htpasswd.add_user(path, "bob", "other")
    htpasswd.add_user(path, "alice", "new")  # changes the password, keeps one line
    lines = open(path).read().splitlines()
    assert [line.split(":")[0] for line in lines] == ["alice", "bob"]
    assert lines[0].split(":", 1)[1].startswith("$6$")
    assert (tmp_path / "htpasswd").stat().st_mode & 0o777 == 0o600
    assert htpasswd.verify(path, "alice", "new")
    assert not htpasswd.verify(path, "alice", "pw")
    assert not htpasswd.verify(path, "carol", "pw")


# Published test vectors: OpenBSD's bcrypt ("U*U"), in htpasswd -B's $2y$ spelling too, and
# the SHA-crypt specification's SHA-512 example ("Hello world!").
VECTORS = [
    ("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"),
    ("$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"),
    (
        "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEO"
        "faS35inz1",
        "Hello world!",
    ),
    ("{SHA}" + base64.b64encode(hashlib.sha1(b"pw").digest()).decode(), "pw"),  # htpasswd -s
]


@pytest.mark.parametrize("hashed, password", VECTORS)
def test_hashes_htpasswd_writes(tmp_path, hashed, password):
    path = tmp_path / "htpasswd"
    path.write_text("# users\nu:%s\n" % hashed)
    assert htpasswd.verify(str(path), "u", password)
    assert not htpasswd.verify(str(path), "u", password + "x")


def test_apache_md5_is_refused_with_how_to_fix(tmp_path):
    path = tmp_path / "htpasswd"
    path.write_text("m:$apr1$abc$0123456789012345678901\n")
    with pytest.raises(htpasswd.HtpasswdError, match=r"st2lite user add m --password"):
        htpasswd.verify(str(path), "m", "pw")


@pytest.mark.parametrize(
    "name, password, reason",
    [
        ("bad name", "pw", "invalid user name"),
        ("a:b", "pw", "invalid user name"),
        ("ok", "", "the password is empty"),
    ],
)
def test_bad_users_are_refused(tmp_path, name, password, reason):
    with pytest.raises(htpasswd.HtpasswdError, match=reason):
        htpasswd.add_user(str(tmp_path / "htpasswd"), name, password)
