"""scripts/install-system-deps.sh: idempotent, and the distribution's own daemons stay down
(qaeci runs its own instances on its own ports)."""

import os
import socket
import subprocess

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "install-system-deps.sh")
DISTRO_DEFAULT_PORTS = {
    "nginx": 80,
    "mariadb": 3306,
    "redis": 6379,
    "memcached": 11211,
    "zookeeper": 2181,
}


def listening(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_second_run_installs_nothing_and_leaves_no_distro_daemon():
    subprocess.run(["sh", SCRIPT], check=True, stdout=subprocess.PIPE, timeout=1800)
    again = subprocess.run(
        ["sh", SCRIPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stdout
    assert "all packages present" in again.stdout
    assert "apt-get" not in again.stdout and "Reading package lists" not in again.stdout
    assert again.stdout.strip().endswith("install-system-deps: ok")
    running = [name for name, port in DISTRO_DEFAULT_PORTS.items() if listening(port)]
    assert running == []


def test_script_is_posix_sh_that_parses():
    assert subprocess.run(["sh", "-n", SCRIPT]).returncode == 0
