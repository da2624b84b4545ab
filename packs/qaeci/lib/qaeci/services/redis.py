"""Redis for one environment: its own port and data directory (dump.rdb lives there)."""

import shutil

from qaeci.services.base import HOST, BaseService, ServiceError, tcp_exchange


class RedisService(BaseService):
    name = "redis"
    start_timeout = 20.0

    def prepare(self, env, data_dir, port, options):
        return {"host": HOST, "port": port}

    def argv(self, env, data_dir, port, options):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not shutil.which(binary):
            raise ServiceError("redis-server not found: run scripts/install-system-deps.sh")
        return [
            binary,
            "--port",
            str(port),
            "--bind",
            HOST,
            "--dir",
            data_dir,
            "--daemonize",
            "no",
            "--logfile",
            "",
            "--unixsocket",
            "",
            "--save",
            "60 1000",
            "--appendonly",
            "no",
            "--maxmemory",
            str(options.get("maxmemory", "128mb")),
        ]

    def probe(self, data_dir, port):
        return tcp_exchange(port, b"PING\r\n").startswith(b"+PONG")
