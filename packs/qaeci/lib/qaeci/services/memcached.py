"""Memcached for one environment: its own port (it keeps no data on disk)."""

import os
import shutil

from qaeci.services.base import HOST, BaseService, ServiceError, current_user, tcp_exchange


class MemcachedService(BaseService):
    name = "memcached"
    start_timeout = 15.0

    def prepare(self, env, data_dir, port, options):
        return {"host": HOST, "port": port}

    def argv(self, env, data_dir, port, options):
        binary = shutil.which("memcached") or "/usr/bin/memcached"
        if not shutil.which(binary):
            raise ServiceError("memcached not found: run scripts/install-system-deps.sh")
        argv = [
            binary,
            "-l",
            HOST,
            "-p",
            str(port),
            "-U",
            "0",
            "-m",
            str(int(options.get("memory_mb", 64))),
        ]
        if os.geteuid() == 0:
            argv += ["-u", current_user()]  # memcached refuses root unless told so
        return argv

    def probe(self, data_dir, port):
        return tcp_exchange(port, b"version\r\n").startswith(b"VERSION ")
