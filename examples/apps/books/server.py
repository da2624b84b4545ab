"""books: the catalogue service of the qaeci demo. It reads the `books` table from MariaDB.

It talks to MariaDB through the `mariadb` client binary (Debian's mariadb-client), so it needs
nothing beyond the Python 3 standard library. Config: conf/app.json, rendered by qaeci.
"""

import html
import json
import os
import shutil
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG_PATH = Path(__file__).resolve().parent / "conf" / "app.json"
QUERY_TIMEOUT_SECONDS = 5
BOOK_COLUMNS = ("id", "title", "author", "published_year", "list_price_cents")


class DatabaseError(Exception):
    """MariaDB could not be reached or refused the query."""


def load_config():
    try:
        return json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        sys.exit(f"books: cannot read config {CONFIG_PATH}: {error}; render conf/app.json first")


def find_client():
    for name in ("mariadb", "mysql"):
        path = shutil.which(name)
        if path:
            return path
    raise DatabaseError("no mariadb client on PATH; install the mariadb-client package")


def unescape_batch_field(text):
    """Undo the escaping of `mariadb --batch` output (\\t, \\n, \\\\, \\0)."""
    replacements = {"t": "\t", "n": "\n", "\\": "\\", "0": "\0"}
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            out.append(replacements.get(text[index + 1], text[index + 1]))
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def run_query(mysql, sql):
    """Run one SQL statement; return its rows as lists of strings."""
    command = [
        find_client(),
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
        "--execute",
        sql,
    ]
    # The password goes through the environment, never on the command line (visible in ps).
    env = dict(os.environ, MYSQL_PWD=str(mysql["password"]))
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=QUERY_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired as error:
        raise DatabaseError(f"query timed out after {QUERY_TIMEOUT_SECONDS}s") from error
    if done.returncode != 0:
        raise DatabaseError(
            done.stderr.strip().splitlines()[-1]
            if done.stderr.strip()
            else f"mariadb exited with {done.returncode}"
        )
    lines = [line for line in done.stdout.split("\n") if line]
    return [[unescape_batch_field(field) for field in line.split("\t")] for line in lines]


def fetch_books(mysql):
    rows = run_query(mysql, "SELECT " + ", ".join(BOOK_COLUMNS) + " FROM books ORDER BY id")
    books = []
    for row in rows:
        book = dict(zip(BOOK_COLUMNS, row))
        for number in ("id", "published_year", "list_price_cents"):
            book[number] = int(book[number])
        books.append(book)
    return books


def render_page(config, books, error):
    if error:
        body = f"<p class='error'>MariaDB: {html.escape(error)}</p>"
    else:
        rows = "".join(
            f"<tr><td>{b['id']}</td><td>{html.escape(b['title'])}</td>"
            f"<td>{html.escape(b['author'])}</td><td>{b['published_year']}</td></tr>"
            for b in books
        )
        body = (
            f"<table><tr><th>id</th><th>title</th><th>author</th><th>year</th></tr>{rows}</table>"
        )
    mysql = config["mysql"]
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>books · {html.escape(config['env'])}"
        f"</title></head><body><h1>books</h1><p>Environment <b>{html.escape(config['env'])}</b>; "
        f"{len(books)} books read from MariaDB {html.escape(mysql['host'])}:{mysql['port']}/"
        f"{html.escape(mysql['database'])}.</p>{body}</body></html>"
    )


class Handler(BaseHTTPRequestHandler):
    config = None

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        mysql = self.config["mysql"]
        try:
            if path == "/health":
                run_query(mysql, "SELECT 1")
                return self.reply(200, "application/json", {"status": "ok", "mysql": "reachable"})
            if path == "/api/books":
                return self.reply(200, "application/json", {"books": fetch_books(mysql)})
            if path == "/":
                return self.reply(
                    200, "text/html", render_page(self.config, fetch_books(mysql), None)
                )
        except DatabaseError as error:
            if path == "/":
                return self.reply(200, "text/html", render_page(self.config, [], str(error)))
            return self.reply(
                503, "application/json", {"status": "unavailable", "error": str(error)}
            )
        self.reply(404, "application/json", {"error": f"no such path {path}"})

    def reply(self, status, content_type, body):
        data = (json.dumps(body) if content_type == "application/json" else body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        sys.stderr.write("books: %s %s\n" % (self.address_string(), format % args))


def main():
    port = os.environ.get("PORT0")
    if not port or not port.isdigit():
        sys.exit(
            "books: PORT0 is not set to a port number; qaeci sets it, or run PORT0=8000 python3 server.py"
        )
    Handler.config = load_config()
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), int(port)), Handler)
    print(f"books: listening on {server.server_address[0]}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
