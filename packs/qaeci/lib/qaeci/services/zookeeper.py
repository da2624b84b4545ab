"""ZooKeeper (Debian's package) for one environment: standalone, own dataDir and clientPort,
admin server off, logging to the program's log."""

import glob
import os
import shutil

from qaeci.services.base import HOST, BaseService, ServiceError, tcp_exchange

JAVA_DIR = "/usr/share/java"
MAIN_CLASS = "org.apache.zookeeper.server.quorum.QuorumPeerMain"


def zookeeper_classpath():
    jar = os.path.join(JAVA_DIR, "zookeeper.jar")
    if not os.path.exists(jar):
        raise ServiceError(
            "ZooKeeper not found at %s: run scripts/install-system-deps.sh "
            "(Debian package zookeeper)" % jar
        )
    # zookeeper.jar's manifest names its dependencies; slf4j-simple gives it a console logger.
    extra = [path for path in glob.glob(os.path.join(JAVA_DIR, "slf4j-simple.jar"))]
    return ":".join([jar] + extra)


class ZooKeeperService(BaseService):
    name = "zookeeper"
    start_timeout = 60.0
    stop_wait = 20

    def config_path(self, data_dir):
        return os.path.join(data_dir, "zoo.cfg")

    def prepare(self, env, data_dir, port, options):
        store = os.path.join(data_dir, "data")
        os.makedirs(store, exist_ok=True)
        lines = [
            "tickTime=2000",
            "dataDir=%s" % store,
            "clientPort=%d" % port,
            "clientPortAddress=%s" % HOST,
            "admin.enableServer=false",
            "4lw.commands.whitelist=ruok,srvr,stat",
            "maxClientCnxns=60",
            "",
        ]
        with open(self.config_path(data_dir), "w") as handle:
            handle.write("\n".join(lines))
        return {"host": HOST, "port": port}

    def argv(self, env, data_dir, port, options):
        java = shutil.which("java")
        if not java:
            raise ServiceError("java not found: run scripts/install-system-deps.sh")
        return [
            java,
            "-Xms32m",
            "-Xmx%s" % options.get("heap", "256m"),
            "-XX:+UseSerialGC",
            "-Dzookeeper.admin.enableServer=false",
            "-Dorg.slf4j.simpleLogger.logFile=System.out",
            "-Dzookeeper.jmx.log4j.disable=true",
            "-cp",
            zookeeper_classpath(),
            MAIN_CLASS,
            self.config_path(data_dir),
        ]

    def probe(self, data_dir, port):
        return tcp_exchange(port, b"ruok") == b"imok"
