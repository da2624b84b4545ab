"""A small in-memory datastore with the interface the runtime gives SensorService: full key
names, local=False semantics."""

import threading


class Item(object):
    def __init__(self, name, value, secret):
        self.name, self.value, self.secret = name, value, secret


class MemoryDatastore(object):
    def __init__(self):
        self.items = {}
        self.ttls = {}
        self._lock = threading.Lock()

    def list_values(self, local=False, prefix=None):
        assert local is False
        with self._lock:
            return [
                item
                for name, item in sorted(self.items.items())
                if prefix is None or name.startswith(prefix)
            ]

    def get_value(self, name, local=False, scope="system", decrypt=False):
        assert local is False
        with self._lock:
            item = self.items.get(name)
        if item is None:
            return None
        if item.secret and not decrypt:
            return "encrypted:" + item.value
        return item.value

    def set_value(self, name, value, ttl=None, local=False, scope="system", encrypt=False):
        assert local is False
        with self._lock:
            self.items[name] = Item(name, value, encrypt)
            self.ttls[name] = ttl
        return True

    def delete_value(self, name, local=False, scope="system"):
        assert local is False
        with self._lock:
            if name not in self.items:
                raise KeyError("key %s not found" % name)
            del self.items[name]
        return True
