"""MockDatastoreService: the datastore of an action or sensor under test, kept in memory.

Keys are named as StackStorm names them: with local=True (the default) a key lives under
"<pack>.<ClassName>:"; with local=False the name is used as given. As in StackStorm's mock,
scope and encryption are accepted and not applied, and a ttl is recorded but never expires."""

from st2lite.store.datastore import SYSTEM_SCOPE, KeyValuePair

__all__ = ["MockDatastoreService", "DATASTORE_KEY_SEPARATOR"]

DATASTORE_KEY_SEPARATOR = ":"


class MockDatastoreService(object):
    def __init__(self, logger, pack_name, class_name, api_username=None):
        self._logger = logger
        self._pack_name = pack_name
        self._class_name = class_name
        self._username = api_username or "admin"
        self._datastore_items = {}  # full key name -> KeyValuePair

    def get_user_info(self):
        """Who the service acts as, in the shape of StackStorm's /user endpoint."""
        return {
            "username": self._username,
            "rbac": {"is_admin": True, "enabled": True, "roles": ["admin"]},
            "authentication": {"method": "authentication token", "location": "header"},
        }

    def list_values(self, local=True, prefix=None):
        key_prefix = self._get_full_key_prefix(local=local, prefix=prefix)
        return [
            pair
            for name, pair in self._datastore_items.items()
            if not key_prefix or name.startswith(key_prefix)
        ]

    def get_value(self, name, local=True, scope=SYSTEM_SCOPE, decrypt=False):
        pair = self._datastore_items.get(self._get_full_key_name(name, local))
        return pair.value if pair is not None else None

    def set_value(self, name, value, ttl=None, local=True, scope=SYSTEM_SCOPE, encrypt=False):
        full_name = self._get_full_key_name(name, local)
        pair = KeyValuePair(full_name, value, scope=scope, secret=bool(encrypt))
        if ttl:
            self._logger.warning("MockDatastoreService is not able to expire keys based on ttl.")
            pair.ttl = ttl
        self._datastore_items[full_name] = pair
        return True

    def delete_value(self, name, local=True, scope=SYSTEM_SCOPE):
        return self._datastore_items.pop(self._get_full_key_name(name, local), None) is not None

    def _get_full_key_name(self, name, local):
        return self._get_local_key_name_prefix() + name if local else name

    def _get_full_key_prefix(self, local, prefix=None):
        if not local:
            return prefix
        return self._get_local_key_name_prefix() + (prefix or "")

    def _get_local_key_name_prefix(self):
        return "%s.%s%s" % (self._pack_name, self._class_name, DATASTORE_KEY_SEPARATOR)
