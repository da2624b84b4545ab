"""Stand-ins for the demo apps' base services, and helpers to build, configure and run the apps.

- FakeRedis: a RESP2 server on loopback with the few commands the `stock` app sends.
- write_fake_mariadb_client: a `mariadb` executable that, like the real client, connects to
  --host/--port, checks the user, password (MYSQL_PWD) and database, and answers the `books` app's
  queries in `--batch` format from the rows of examples/db/demo_seed.sql.
"""

import json
import os
import re
import shlex
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SEED_SQL = EXAMPLES / "db" / "demo_seed.sql"
STARTUP_TIMEOUT_SECONDS = 15


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(url, timeout=10):
    """(status, body text) of a GET; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def registry_app(code):
    return yaml.safe_load((EXAMPLES / "registry" / "apps" / f"{code}.yaml").read_text())


def registry_env(name="demo"):
    return yaml.safe_load((EXAMPLES / "registry" / "envs" / f"{name}.yaml").read_text())


DEMO_APPS = list(registry_env("demo")["apps"])
REGISTRY_APPS = sorted(path.stem for path in (EXAMPLES / "registry" / "apps").glob("*.yaml"))


# --- build, package, render ------------------------------------------------------------------------


def build_artifact(code, workdir):
    """Copy the app's source, run its registry build, drop `exclude`; return the artifact directory."""
    app = registry_app(code)
    checkout = workdir / f"{code}-src"
    shutil.copytree(EXAMPLES / "apps" / code, checkout)
    build = app["build"]
    if build["method"] != "none":
        subprocess.run(
            shlex.split(build["command"]),
            cwd=checkout,
            check=True,
            capture_output=True,
            timeout=120,
        )
    artifact = workdir / f"{code}-artifact"
    shutil.copytree(checkout / build["artifact"], artifact)
    for excluded in build.get("exclude", []):
        (artifact / excluded).unlink()
    return artifact


def render_templates(artifact, templates, variables):
    """Render each listed file in place, as DESIGN.md section 3 says (sandboxed, strict)."""
    jinja = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    for relative in templates:
        path = artifact / relative
        path.write_text(jinja.from_string(path.read_text()).render(**variables))


def template_variables(env_name, code, app_ports, mysql=None, redis=None):
    """The variables DESIGN.md section 3 gives templates, for apps on loopback."""
    apps = {
        other: {
            "url": f"http://127.0.0.1:{port}",
            "host": "127.0.0.1",
            "port": port,
            "public_url": f"http://{other}.{env_name}.localhost:8080/",
        }
        for other, port in app_ports.items()
    }
    services = {}
    if mysql:
        services["mysql"] = mysql
    if redis:
        services["redis"] = redis
    return {
        "env": {"name": env_name, "domain": "localhost", "deploy_type": "dev"},
        "app": {"code": code, "port": app_ports[code]},
        "apps": apps,
        "services": services,
    }


# --- running an app ----------------------------------------------------------------------------------


class RunningApp:
    def __init__(self, code, artifact, port, extra_env=None):
        self.code, self.port = code, port
        env = dict(os.environ, PORT0=str(port), HOST="127.0.0.1", QAECI_ENV="t", QAECI_APP=code)
        env.update(extra_env or {})
        self.log = artifact.parent / f"{code}.log"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                shlex.split(registry_app(code)["runtime"]["command"]),
                cwd=artifact,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_listening()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_listening(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"{self.code} exited with {self.process.returncode}: {self.log.read_text()}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"{self.code} did not listen on {self.port}: {self.log.read_text()}")

    def get(self, path):
        return http_get(self.url + path)

    def poll(self, path, accept, attempts=20, pause=0.5):
        """GET path until accept(status, body) holds, as qaeci polls check URLs; the last answer.

        On a loaded machine an app's own 3 s upstream timeouts can expire once; polling (bounded)
        keeps such a transient answer from deciding a test."""
        for _ in range(attempts):
            status, body = self.get(path)
            if accept(status, body):
                break
            time.sleep(pause)
        return status, body

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


# --- Redis stand-in --------------------------------------------------------------------------------


class _RespHandler(socketserver.StreamRequestHandler):
    def read_command(self):
        header = self.rfile.readline()
        if not header:
            return None
        assert header.startswith(b"*"), f"stock sent a non-array command {header!r}"
        args = []
        for _ in range(int(header[1:])):
            length = int(self.rfile.readline()[1:])
            args.append(self.rfile.read(length + 2)[:-2].decode("utf-8"))
        return args

    def handle(self):
        while True:
            args = self.read_command()
            if args is None:
                return
            self.server.commands.append(args)
            self.wfile.write(self.server.fake.execute(args))


class FakeRedis:
    """PING, HGETALL, HSETNX and INCR over real RESP2 on a loopback port."""

    def __init__(self):
        self.hashes, self.counters, self.lock = {}, {}, threading.Lock()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _RespHandler)
        self.server.daemon_threads = True
        self.server.fake, self.server.commands = self, []
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def commands(self):
        return self.server.commands

    def execute(self, args):
        name = args[0].upper()
        with self.lock:
            if name == "PING":
                return b"+PONG\r\n"
            if name == "HGETALL":
                items = [part for pair in self.hashes.get(args[1], {}).items() for part in pair]
                return f"*{len(items)}\r\n".encode() + b"".join(
                    f"${len(item.encode())}\r\n{item}\r\n".encode() for item in items
                )
            if name == "HSETNX":
                fields = self.hashes.setdefault(args[1], {})
                added = args[2] not in fields
                fields.setdefault(args[2], args[3])
                return f":{int(added)}\r\n".encode()
            if name == "INCR":
                self.counters[args[1]] = self.counters.get(args[1], 0) + 1
                return f":{self.counters[args[1]]}\r\n".encode()
        return f"-ERR unknown command '{args[0]}'\r\n".encode()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# --- MariaDB stand-in ------------------------------------------------------------------------------

SEED_ROW = re.compile(
    r"\((\d+),\s*'((?:[^'\\]|\\.|'')*)',\s*'((?:[^'\\]|\\.|'')*)',\s*(\d+),\s*(\d+)\)"
)


def seed_rows():
    """(id, title, author, published_year, list_price_cents) of every row in demo_seed.sql."""
    return [tuple(match.groups()) for match in SEED_ROW.finditer(SEED_SQL.read_text())]


FAKE_CLIENT = r'''#!PYTHON
"""Stand-in for the `mariadb` client: real TCP connect, credential check, canned books table."""
import json, os, socket, sys
expect = json.loads(os.environ["FAKE_MARIADB_EXPECT"])
args, options, index = sys.argv[1:], {}, 0
while index < len(args):
    arg = args[index]
    if "=" in arg:
        key, value = arg.split("=", 1); options[key] = value; index += 1
    elif arg in ("--host", "--port", "--user", "--database", "--execute"):
        options[arg] = args[index + 1]; index += 2
    else:
        options[arg] = True; index += 1
if options.get("--protocol") != "TCP" or "--batch" not in options:
    sys.exit("fake mariadb: expected --protocol=TCP and --batch, got %r" % sys.argv[1:])
try:
    socket.create_connection((options["--host"], int(options["--port"])), timeout=2).close()
except OSError as error:
    print("ERROR 2002 (HY000): Can't connect to server on '%s' (%s)" % (options["--host"], error), file=sys.stderr)
    sys.exit(1)
if options["--user"] != expect["user"] or os.environ.get("MYSQL_PWD") != expect["password"]:
    print("ERROR 1045 (28000): Access denied for user '%s'@'localhost'" % options["--user"], file=sys.stderr)
    sys.exit(1)
if options["--database"] != expect["database"]:
    print("ERROR 1049 (42000): Unknown database '%s'" % options["--database"], file=sys.stderr)
    sys.exit(1)
sql = options["--execute"]
def escape(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
if sql == "SELECT 1":
    print("1")
elif "FROM books" in sql:
    for row in expect["rows"]:
        print("\t".join(escape(str(field)) for field in row))
else:
    print("ERROR 1064 (42000): fake mariadb does not know %r" % sql, file=sys.stderr)
    sys.exit(1)
'''


def write_fake_mariadb_client(bin_dir):
    bin_dir.mkdir(parents=True, exist_ok=True)
    client = bin_dir / "mariadb"
    client.write_text(FAKE_CLIENT.replace("PYTHON", sys.executable, 1))
    client.chmod(0o755)
    return client


def unquote_sql(text):
    return text.replace("''", "'").replace("\\'", "'").replace("\\\\", "\\")


class FakeMariaDB:
    """A listening port standing in for the server, plus the fake client on PATH."""

    def __init__(self, bin_dir, rows=None):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept_and_close, daemon=True).start()
        self.credentials = {
            "host": "127.0.0.1",
            "port": self.port,
            "user": "demo",
            "password": 'p@ss "word" \' with quotes',
            "database": "demo_db",
        }
        rows = (
            rows
            if rows is not None
            else [
                (int(i), unquote_sql(t), unquote_sql(a), int(y), int(c))
                for i, t, a, y, c in seed_rows()
            ]
        )
        write_fake_mariadb_client(bin_dir)
        expect = dict(self.credentials, rows=rows)
        self.env = {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_MARIADB_EXPECT": json.dumps(expect),
        }

    def _accept_and_close(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            connection.close()

    def stop(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        except OSError:
            pass
        self.listener.close()
