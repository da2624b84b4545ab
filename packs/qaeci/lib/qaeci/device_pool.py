"""The device pool: spare machines listed in an inventory file of the registry, each with a
state, that scale out turns into Mesos agents (through the configured provision command) before
it asks OpenStack for servers, and that scale in gives back.

    # <registry>/pool/machines.yaml
    machines:
      - {name: spare-1, address: 10.0.2.11, hostname: spare-1.qa, state: spare}
      - {name: spare-2, address: 10.0.2.12, state: in_use, cluster: dev}

States: spare (free), in_use (an agent of CLUSTER, taken by this pack), broken (provisioning
failed: a person looks; `detail` says why). Machines in any other state (say `reserved`) are
never touched. Every change rewrites the file whole (a temporary file renamed over it), under a
lock, so two scale outs never take the same machine.
"""

import contextlib
import fcntl
import os
import subprocess
import tempfile

import yaml

from qaeci.errors import ConfigError, QaeciError

SPARE, IN_USE, BROKEN = "spare", "in_use", "broken"


class PoolError(QaeciError):
    """Provisioning or releasing a machine failed (one line)."""


class DevicePool(object):
    def __init__(self, path, provision_command=None, release_command=None, timeout=900):
        self.path = path
        self.provision_command = provision_command
        self.release_command = release_command
        self.timeout = timeout

    @classmethod
    def from_settings(cls, registry_path, settings):
        return cls(
            os.path.join(registry_path, settings.pool_inventory),
            settings.provision_command,
            settings.release_command,
            timeout=max(60, settings.agent_timeout),
        )

    def machines(self):
        """Every machine of the inventory ([] when there is no inventory file)."""
        return self._load()

    def take(self, cluster, count):
        """Mark up to COUNT spare machines in_use for CLUSTER and return them (none without a
        provision command: a spare machine could not become an agent)."""
        if not self.provision_command or count <= 0:
            return []
        with self._locked() as machines:
            taken = [machine for machine in machines if machine.get("state") == SPARE][:count]
            for machine in taken:
                machine.update(state=IN_USE, cluster=cluster)
                machine.pop("detail", None)
            return [dict(machine) for machine in taken]

    def provision(self, machine, variables):
        """Run the provision command for MACHINE; on failure mark it broken and raise PoolError."""
        self._run(self.provision_command, machine, variables, "provision_command")

    def give_back(self, name, variables=None):
        """Run the release command (if any), then mark the machine spare again."""
        machine = self._find(name)
        if self.release_command:
            self._run(self.release_command, machine, variables or {}, "release_command")
        self._set(name, state=SPARE, cluster=None, detail=None)

    def untake(self, name):
        """Mark a machine taken but never provisioned spare again (nothing ran on it)."""
        self._set(name, state=SPARE, cluster=None)

    def mark_broken(self, name, detail):
        self._set(name, state=BROKEN, detail=detail)

    # -- commands -------------------------------------------------------------------------------
    def _run(self, command, machine, variables, key):
        values = dict(
            variables,
            name=machine["name"],
            address=machine.get("address") or "",
            hostname=hostname_of(machine),
        )
        try:
            argv = [part.format(**values) for part in command]
        except (KeyError, IndexError, ValueError) as error:
            raise ConfigError(
                "scaling.%s has an unknown placeholder (%s); fix: use only %s"
                % (key, error, ", ".join("{%s}" % name for name in sorted(values)))
            ) from error
        try:
            done = subprocess.run(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=self.timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            self.mark_broken(machine["name"], "%s: %s" % (key, error))
            raise PoolError(
                "%s of %s failed: %s; the machine is marked broken in %s"
                % (key, machine["name"], error, self.path)
            ) from error
        if done.returncode != 0:
            tail = (done.stdout or b"").decode("utf-8", "replace").strip().splitlines()[-1:]
            detail = "%s exited %d%s" % (key, done.returncode, (": " + tail[0]) if tail else "")
            self.mark_broken(machine["name"], detail)
            raise PoolError(
                "%s of %s: %s; the machine is marked broken in %s"
                % (key, machine["name"], detail, self.path)
            )

    # -- the file -------------------------------------------------------------------------------
    def _find(self, name):
        for machine in self._load():
            if machine.get("name") == name:
                return machine
        raise PoolError(
            "machine %s is not in %s; fix: put it back in the inventory" % (name, self.path)
        )

    def _set(self, name, **changes):
        with self._locked() as machines:
            for machine in machines:
                if machine.get("name") == name:
                    for key, value in changes.items():
                        if value is None:
                            machine.pop(key, None)
                        else:
                            machine[key] = value

    def _load(self):
        try:
            with open(self.path, encoding="utf-8") as handle:
                document = yaml.safe_load(handle) or {}
        except FileNotFoundError:
            return []
        except yaml.YAMLError as error:
            raise ConfigError(
                "%s is not valid YAML (%s); fix: correct the pool inventory"
                % (self.path, str(error).splitlines()[0])
            ) from error
        machines = document.get("machines") if isinstance(document, dict) else None
        if not isinstance(machines, list) or not all(
            isinstance(machine, dict) and machine.get("name") for machine in machines
        ):
            raise ConfigError(
                "%s must hold machines: [{name, address, state}, ...]; fix: write "
                "each machine with at least a name and a state" % self.path
            )
        return machines

    @contextlib.contextmanager
    def _locked(self):
        directory = os.path.dirname(self.path) or "."
        os.makedirs(directory, exist_ok=True)
        with open(self.path + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            machines = self._load()
            yield machines
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=".machines-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                yaml.safe_dump(
                    {"machines": machines}, out, default_flow_style=False, sort_keys=False
                )
            os.replace(temporary, self.path)


def hostname_of(machine):
    """The name its Mesos agent registers under."""
    return machine.get("hostname") or machine.get("address") or machine["name"]
