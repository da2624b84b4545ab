"""prices: what each book costs, from the catalogue of the `books` app (called over HTTP at the URL
qaeci renders into conf/app.json) plus this environment's VAT and backlist discount.
Python 3 standard library only.
"""

import datetime
import html
import json
import os
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG_PATH = HERE / "conf" / "app.json"
BUILD_INFO_PATH = HERE / "BUILD_INFO.json"
REQUEST_TIMEOUT_SECONDS = 3


class UpstreamError(Exception):
    """The books app could not be reached or answered with an error."""


def load_config():
    try:
        return json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        sys.exit(f"prices: cannot read config {CONFIG_PATH}: {error}; render conf/app.json first")


def load_build_info():
    try:
        return json.loads(BUILD_INFO_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"commit": "not built by build.sh"}


def get_json(url):
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        raise UpstreamError(f"{url} answered {error.code}") from error
    except (OSError, ValueError) as error:
        raise UpstreamError(f"{url}: {getattr(error, 'reason', error)}") from error


def price_book(book, config, this_year):
    cents = book["list_price_cents"] * (100 + config["vat_percent"]) / 100
    backlist = this_year - book["published_year"] >= config["backlist_years"]
    if backlist:
        cents = cents * (100 - config["backlist_discount_percent"]) / 100
    cents = int(round(cents))
    return {
        "cents": cents,
        "display": f"{cents // 100}.{cents % 100:02d} {config['currency']}",
        "backlist_discount": backlist,
    }


def price_list(config):
    books = get_json(config["books_url"] + "/api/books")["books"]
    this_year = datetime.date.today().year
    return {
        "currency": config["currency"],
        "prices": {
            str(book["id"]): dict(price_book(book, config, this_year), title=book["title"])
            for book in books
        },
    }


def render_page(config, prices, error):
    if error:
        body = f"<p class='error'>books app: {html.escape(error)}</p>"
    else:
        rows = "".join(
            f"<tr><td>{html.escape(p['title'])}</td><td>{html.escape(p['display'])}</td>"
            f"<td>{'backlist -' + str(config['backlist_discount_percent']) + '%' if p['backlist_discount'] else ''}</td></tr>"
            for p in prices["prices"].values()
        )
        body = f"<table><tr><th>title</th><th>price</th><th></th></tr>{rows}</table>"
    build = load_build_info()
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>prices · {html.escape(config['env'])}"
        f"</title></head><body><h1>prices</h1><p>Environment <b>{html.escape(config['env'])}</b>; "
        f"catalogue from <code>{html.escape(config['books_url'])}</code>; build of commit "
        f"<code>{html.escape(str(build.get('commit')))}</code>.</p>{body}</body></html>"
    )


class Handler(BaseHTTPRequestHandler):
    config = None

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        try:
            if path == "/health":
                get_json(self.config["books_url"] + "/health")
                return self.reply(200, "application/json", {"status": "ok", "books": "healthy"})
            if path == "/api/prices":
                return self.reply(200, "application/json", price_list(self.config))
            if path == "/":
                return self.reply(
                    200, "text/html", render_page(self.config, price_list(self.config), None)
                )
        except UpstreamError as error:
            if path == "/":
                return self.reply(200, "text/html", render_page(self.config, None, str(error)))
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
        sys.stderr.write("prices: %s %s\n" % (self.address_string(), format % args))


def main():
    port = os.environ.get("PORT0")
    if not port or not port.isdigit():
        sys.exit(
            "prices: PORT0 is not set to a port number; qaeci sets it, or run PORT0=8000 python3 server.py"
        )
    Handler.config = load_config()
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), int(port)), Handler)
    print(f"prices: listening on {server.server_address[0]}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
