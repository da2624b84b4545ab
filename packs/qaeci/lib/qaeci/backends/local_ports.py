"""Port allocation for the local back end: free loopback ports, recorded in the work directory
so that ENV.APP keeps its port across calls and no port is ever handed to two owners."""

import contextlib
import json
import os
import socket
import zlib

from qaeci.backends.base import BackendError
from qaeci.backends.local_files import write_json
from qaeci.backends.local_locks import file_lock

DEFAULT_RANGE = (20000, 29999)


class PortExhaustedError(BackendError):
    """No free port is left in the configured range."""


def port_is_free(port):
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        # As servers do: connections of a stopped server lingering in TIME_WAIT leave the
        # port usable, while any live listener still makes bind() fail.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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
        except ValueError as error:
            raise BackendError(
                "port registry %s is corrupt: fix or delete it (every app "
                "then gets a new port on its next deploy)" % self.path
            ) from error

    def _save(self, ports):
        write_json(self.path, ports)

    def _candidates(self):
        # Each work_dir starts its scan at its own offset, so that back ends of different
        # work_dirs on one machine rarely pick the same port before either binds it.
        size = self.high - self.low + 1
        offset = zlib.crc32(self.path.encode("utf-8")) % size
        for step in range(size):
            yield self.low + (offset + step) % size

    def _first_free(self, ports):
        taken = set(ports.values())
        for port in self._candidates():
            if port not in taken and port_is_free(port):
                return port
        raise PortExhaustedError(
            "no free port left in %d-%d: destroy unused environments" % (self.low, self.high)
        )

    def allocate(self, env, owner):
        key = "%s.%s" % (env, owner)
        with self._locked() as ports:
            if key not in ports:
                ports[key] = self._first_free(ports)
                self._save(ports)
            return ports[key]

    def allocate_many(self, env, owners):
        """{owner: port} of each owner, allocating the missing ones, under one lock."""
        keys = {owner: "%s.%s" % (env, owner) for owner in owners}
        with self._locked() as ports:
            missing = [key for key in keys.values() if key not in ports]
            for key in missing:
                ports[key] = self._first_free(ports)
            if missing:
                self._save(ports)
            return {owner: ports[key] for owner, key in keys.items()}

    def reallocate(self, env, owner):
        """A new port for ENV.OWNER, when another program has taken its recorded one."""
        key = "%s.%s" % (env, owner)
        with self._locked() as ports:
            ports.pop(key, None)
            ports[key] = self._first_free(ports)
            self._save(ports)
            return ports[key]

    def lookup(self, env, owner):
        return self._load().get("%s.%s" % (env, owner))

    def of_env(self, env):
        """{owner: port} of every app and service of env, from one read."""
        prefix = env + "."
        return {
            key[len(prefix) :]: port for key, port in self._load().items() if key.startswith(prefix)
        }

    def release(self, env, owners=None):
        """Forget the ports of env (all of them, or only those of `owners`)."""
        with self._locked() as ports:
            prefix = env + "."
            for key in list(ports):
                if key.startswith(prefix) and (owners is None or key[len(prefix) :] in owners):
                    del ports[key]
            self._save(ports)

    def environments(self):
        return sorted({key.split(".", 1)[0] for key in self._load()})
