"""Port allocation for the local back end: free loopback ports, recorded in the work directory
so that ENV.APP keeps its port across calls and no port is ever handed to two owners."""

import contextlib
import json
import os
import socket

from qaeci.backends.base import BackendError
from qaeci.backends.local_locks import file_lock

DEFAULT_RANGE = (20000, 29999)


class PortExhaustedError(BackendError):
    """No free port is left in the configured range."""


def port_is_free(port):
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class PortRegistry(object):
    """{"ENV.APP": port} in work_dir/ports.json, guarded by an exclusive file lock."""

    def __init__(self, work_dir, port_range=DEFAULT_RANGE):
        self.path = os.path.join(os.path.abspath(work_dir), "ports.json")
        self.lock_path = self.path + ".lock"
        self.low, self.high = port_range

    @contextlib.contextmanager
    def _locked(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with file_lock(self.lock_path):
            yield self._load()

    def _load(self):
        try:
            with open(self.path) as handle:
                return json.load(handle)
        except FileNotFoundError:
            return {}
        except ValueError:
            raise BackendError("port registry %s is corrupt: fix or delete it (every app "
                               "then gets a new port on its next deploy)" % self.path)

    def _save(self, ports):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(ports, handle, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def allocate(self, env, owner):
        key = "%s.%s" % (env, owner)
        with self._locked() as ports:
            if key in ports:
                return ports[key]
            taken = set(ports.values())
            for port in range(self.low, self.high + 1):
                if port not in taken and port_is_free(port):
                    ports[key] = port
                    self._save(ports)
                    return port
        raise PortExhaustedError("no free port left in %d-%d: destroy unused environments"
                                 % (self.low, self.high))

    def lookup(self, env, owner):
        return self._load().get("%s.%s" % (env, owner))

    def release(self, env, owners=None):
        """Forget the ports of env (all of them, or only those of `owners`)."""
        with self._locked() as ports:
            prefix = env + "."
            for key in list(ports):
                if key.startswith(prefix) and (owners is None or key[len(prefix):] in owners):
                    del ports[key]
            self._save(ports)

    def environments(self):
        return sorted({key.split(".", 1)[0] for key in self._load()})
