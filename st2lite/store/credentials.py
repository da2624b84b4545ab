"""API credentials: auth tokens (from `POST /tokens`) and API keys (from `st2lite apikey create`).

Only a SHA-256 digest of each secret is stored, as StackStorm stores API keys: whoever reads the
database cannot replay what it holds.
"""

import hashlib
import secrets
import time

from st2lite.store.ids import new_id, utc_now_iso


def digest(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class CredentialStore(object):
    def __init__(self, db):
        self.db = db

    # --- tokens --------------------------------------------------------------------------

    def issue_token(self, user, ttl_seconds):
        """A new token for `user`: (id, token, expiry as epoch seconds)."""
        token, token_id = secrets.token_hex(16), new_id()
        expiry = time.time() + ttl_seconds
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM auth_tokens WHERE expiry <= ?", (time.time(),))
            conn.execute(
                "INSERT INTO auth_tokens(token_hash, id, user, expiry) VALUES (?,?,?,?)",
                (digest(token), token_id, user, expiry),
            )
        return token_id, token, expiry

    def token(self, token):
        """{"id", "user", "expiry"} of a token, expired ones included; None when unknown."""
        rows = self.db.query(
            "SELECT id, user, expiry FROM auth_tokens WHERE token_hash = ?", (digest(token),)
        )
        return dict(rows[0]) if rows else None

    def delete_token(self, token_id):
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM auth_tokens WHERE id = ?", (token_id,))

    # --- API keys ------------------------------------------------------------------------

    def create_api_key(self, user):
        """A new key for `user`: {"id", "key", "user", "created_at", "enabled"}; the key itself is
        shown this once and never stored."""
        key, key_id, created = secrets.token_urlsafe(36), new_id(), utc_now_iso()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO api_keys(key_hash, id, user, created_at, enabled) VALUES (?,?,?,?,1)",
                (digest(key), key_id, user, created),
            )
        return {"id": key_id, "key": key, "user": user, "created_at": created, "enabled": True}

    def api_key(self, key):
        """{"id", "user", "enabled"} of a key; None when unknown."""
        rows = self.db.query(
            "SELECT id, user, enabled FROM api_keys WHERE key_hash = ?", (digest(key),)
        )
        if not rows:
            return None
        return {"id": rows[0]["id"], "user": rows[0]["user"], "enabled": bool(rows[0]["enabled"])}
