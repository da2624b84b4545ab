"""The key-value datastore (StackStorm's `st2 key`): system and user scopes, TTL, encryption."""

import os
import time

SYSTEM_SCOPE = "system"
USER_SCOPE = "user"
SCOPES = (SYSTEM_SCOPE, USER_SCOPE)
# A measuring aid (bench/env_up.py): when set, every read this process serves appends one line,
# "<epoch seconds> get|list <key or prefix>", to the file it names.
READ_LOG_VARIABLE = "ST2LITE_DATASTORE_READ_LOG"


class DatastoreError(Exception):
    """A one-line, user-facing datastore error."""


class KeyValuePair(object):
    """What list_values returns, with the attributes StackStorm's client objects have."""

    def __init__(self, name, value, scope=SYSTEM_SCOPE, secret=False, expire_at=None):
        self.id = name
        self.name = name
        self.value = value
        self.scope = scope
        self.secret = secret
        self.expire_timestamp = expire_at

    def as_dict(self):
        return {
            "name": self.name,
            "value": self.value,
            "scope": self.scope,
            "secret": self.secret,
            "expire_timestamp": self.expire_timestamp,
        }

    def __repr__(self):
        return "<KeyValuePair name=%s scope=%s>" % (self.name, self.scope)


class Datastore(object):
    """Full key names, no pack prefixes: the services add those (see compat.datastore)."""

    def __init__(self, db, state_dir):
        self.db = db
        self._key_path = os.path.join(state_dir, "keys", "datastore.key")
        self._fernet = None
        self._read_log = os.environ.get(READ_LOG_VARIABLE)

    def get(self, name, scope=SYSTEM_SCOPE, decrypt=False):
        """The value of a key, or None when absent or expired."""
        _check_scope(scope)
        self._note_read("get", name)
        rows = self.db.query(
            "SELECT value, secret, expire_at FROM kv WHERE scope=? AND name=?", (scope, name)
        )
        if not rows or _expired(rows[0]["expire_at"]):
            return None
        value = rows[0]["value"]
        return self._decrypt(value) if (rows[0]["secret"] and decrypt) else value

    def get_pair(self, name, scope=SYSTEM_SCOPE, decrypt=False):
        pairs = [p for p in self.list(prefix=name, scope=scope, decrypt=decrypt) if p.name == name]
        return pairs[0] if pairs else None

    def set(self, name, value, scope=SYSTEM_SCOPE, ttl=None, encrypt=False):
        _check_scope(scope)
        if not name:
            raise DatastoreError("a key needs a name")
        text = str(value)
        stored = self._encrypt(text) if encrypt else text
        expire_at = time.time() + float(ttl) if ttl else None
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO kv(scope, name, value, secret, expire_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (scope, name, stored, int(bool(encrypt)), expire_at),
            )
        return KeyValuePair(name, stored, scope, bool(encrypt), expire_at)

    def delete(self, name, scope=SYSTEM_SCOPE):
        """True when a key was deleted."""
        _check_scope(scope)
        with self.db.transaction() as conn:
            cursor = conn.execute("DELETE FROM kv WHERE scope=? AND name=?", (scope, name))
            return cursor.rowcount > 0

    def list(self, prefix=None, scope=SYSTEM_SCOPE, decrypt=False):
        _check_scope(scope)
        self._note_read("list", prefix or "")
        rows = self.db.query(
            "SELECT name, value, secret, expire_at FROM kv WHERE scope=? "
            "AND substr(name, 1, ?) = ? ORDER BY name",
            (scope, len(prefix or ""), prefix or ""),
        )
        pairs = []
        for row in rows:
            if _expired(row["expire_at"]):
                continue
            value = self._decrypt(row["value"]) if (row["secret"] and decrypt) else row["value"]
            pairs.append(
                KeyValuePair(row["name"], value, scope, bool(row["secret"]), row["expire_at"])
            )
        return pairs

    def _note_read(self, kind, name):
        if not self._read_log:
            return
        line = ("%.3f %s %s\n" % (time.time(), kind, name)).encode("utf-8")
        # One O_APPEND write per line: lines from concurrent processes never interleave.
        fd = os.open(self._read_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def _cipher(self):
        from cryptography.fernet import (
            Fernet,
        )  # only for encrypted keys: keeps action start-up light

        if self._fernet is None:
            if not os.path.exists(self._key_path):
                os.makedirs(os.path.dirname(self._key_path), exist_ok=True)
                fd = os.open(self._key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(Fernet.generate_key())
            with open(self._key_path, "rb") as f:
                self._fernet = Fernet(f.read().strip())
        return self._fernet

    def _encrypt(self, text):
        return self._cipher().encrypt(text.encode("utf-8")).decode("ascii")

    def _decrypt(self, text):
        from cryptography.fernet import InvalidToken

        try:
            return self._cipher().decrypt(text.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as error:
            raise DatastoreError(
                "could not decrypt the value: the key file %s does not match the "
                "one it was encrypted with" % self._key_path
            ) from error


def _check_scope(scope):
    if scope not in SCOPES:
        raise DatastoreError(
            "unknown datastore scope %r: use one of %s" % (scope, ", ".join(SCOPES))
        )


def _expired(expire_at):
    return expire_at is not None and expire_at <= time.time()


class GlobalKeys(object):
    """The datastore with the service method names and full key names (local=False semantics):
    what the sensor service wraps with its pack.Class prefix."""

    def __init__(self, datastore):
        self._datastore = datastore

    def list_values(self, local=False, prefix=None):
        return self._datastore.list(prefix=prefix)

    def get_value(self, name, local=False, scope=SYSTEM_SCOPE, decrypt=False):
        return self._datastore.get(name, scope=scope, decrypt=decrypt)

    def set_value(self, name, value, ttl=None, local=False, scope=SYSTEM_SCOPE, encrypt=False):
        self._datastore.set(name, value, scope=scope, ttl=ttl, encrypt=encrypt)
        return True

    def delete_value(self, name, local=False, scope=SYSTEM_SCOPE):
        return self._datastore.delete(name, scope=scope)
