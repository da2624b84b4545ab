"""dbseed: loads seed.sql (examples/db/demo_seed.sql) into its environment's MariaDB, then stays up.

It exists so the standard snapshot `demo-standard` can be made with qaeci's own actions: bring up
the template `demo-seed` (MariaDB plus this app), take a snapshot of that environment's MariaDB,
take the environment down. Loading is idempotent (the seed replaces the table's rows), so a restart
is harmless. /health answers 200 once the `books` table has rows. Python 3 standard library only.
"""

import html
import json
import os
import shutil
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG_PATH = HERE / "conf" / "app.json"
SEED_PATH = HERE / "seed.sql"
LOAD_ATTEMPTS = 30
SECONDS_BETWEEN_ATTEMPTS = 1
CLIENT_TIMEOUT_SECONDS = 60


class DatabaseError(Exception):
    """MariaDB could not be reached or refused a statement."""


def load_config():
    try:
        return json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        sys.exit(f"dbseed: cannot read config {CONFIG_PATH}: {error}; render conf/app.json first")


def mariadb(mysql, sql=None, stdin_path=None):
    """Run the mariadb client with SQL, or with the file at stdin_path as input; return stdout."""
    client = shutil.which("mariadb") or shutil.which("mysql")
    if not client:
        raise DatabaseError("no mariadb client on PATH; install the mariadb-client package")
    command = [
        client,
        "--protocol=TCP",
        "--host",
        mysql["host"],
        "--port",
        str(mysql["port"]),
        "--user",
        mysql["user"],
        "--batch",
        "--skip-column-names",
        "--connect-timeout=3",
        "--database",
        mysql["database"],
    ]
    if sql is not None:
        command += ["--execute", sql]
    env = dict(os.environ, MYSQL_PWD=str(mysql["password"]))
    try:
        if stdin_path is not None:
            with open(stdin_path, "rb") as stdin:
                done = subprocess.run(
                    command,
                    env=env,
                    stdin=stdin,
                    capture_output=True,
                    timeout=CLIENT_TIMEOUT_SECONDS,
                )
        else:
            done = subprocess.run(
                command, env=env, capture_output=True, timeout=CLIENT_TIMEOUT_SECONDS
            )
    except subprocess.TimeoutExpired as error:
        raise DatabaseError(f"mariadb did not finish within {CLIENT_TIMEOUT_SECONDS}s") from error
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        raise DatabaseError(
            stderr.splitlines()[-1] if stderr else f"mariadb exited with {done.returncode}"
        )
    return done.stdout.decode("utf-8")


def load_seed(mysql):
    """Load the seed, retrying while MariaDB is still starting; a bounded number of attempts."""
    for attempt in range(1, LOAD_ATTEMPTS + 1):
        try:
            mariadb(mysql, stdin_path=SEED_PATH)
            return
        except DatabaseError as error:
            if attempt == LOAD_ATTEMPTS:
                raise DatabaseError(
                    f"seed not loaded after {LOAD_ATTEMPTS} attempts: {error}"
                ) from error
            time.sleep(SECONDS_BETWEEN_ATTEMPTS)


def book_count(mysql):
    return int(mariadb(mysql, "SELECT COUNT(*) FROM books").strip())


class Handler(BaseHTTPRequestHandler):
    config = None

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path not in ("/", "/health"):
            return self.reply(404, "application/json", {"error": f"no such path {path}"})
        try:
            count = book_count(self.config["mysql"])
        except DatabaseError as error:
            return self.reply(
                503, "application/json", {"status": "unavailable", "error": str(error)}
            )
        if path == "/health":
            return self.reply(200 if count else 503, "application/json", {"books": count})
        mysql = self.config["mysql"]
        self.reply(
            200,
            "text/html",
            f"<!doctype html><html><body><h1>dbseed</h1><p>{count} books loaded from "
            f"seed.sql into {html.escape(mysql['database'])} on {html.escape(mysql['host'])}:"
            f"{mysql['port']}.</p></body></html>",
        )

    def reply(self, status, content_type, body):
        data = (json.dumps(body) if content_type == "application/json" else body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        sys.stderr.write("dbseed: %s %s\n" % (self.address_string(), format % args))


def main():
    port = os.environ.get("PORT0")
    if not port or not port.isdigit():
        sys.exit(
            "dbseed: PORT0 is not set to a port number; qaeci sets it, or run PORT0=8000 python3 server.py"
        )
    Handler.config = load_config()
    try:
        load_seed(Handler.config["mysql"])
    except DatabaseError as error:
        sys.exit(f"dbseed: {error}")
    print(f"dbseed: loaded {SEED_PATH.name}", flush=True)
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), int(port)), Handler)
    print(f"dbseed: listening on {server.server_address[0]}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
