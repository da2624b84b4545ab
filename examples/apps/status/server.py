"""status: the demo environment's dashboard. It asks every other app for /health, in parallel, and
links each app's public URL. Python 3 standard library only; config in conf/app.json (rendered).
"""

import html
import json
import os
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG_PATH = Path(__file__).resolve().parent / "conf" / "app.json"
REQUEST_TIMEOUT_SECONDS = 3


def load_config():
    try:
        return json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        sys.exit(f"status: cannot read config {CONFIG_PATH}: {error}; render conf/app.json first")


def probe(url):
    """GET url/health: {"healthy": bool, "detail": str, "millis": int}."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url + "/health", timeout=REQUEST_TIMEOUT_SECONDS) as response:
            healthy, detail = True, f"{response.status} OK"
    except urllib.error.HTTPError as error:
        healthy, detail = False, f"answered {error.code}"
    except OSError as error:
        healthy, detail = False, str(getattr(error, "reason", error))
    return {
        "healthy": healthy,
        "detail": detail,
        "millis": int((time.monotonic() - started) * 1000),
    }


def probe_all(watched):
    with ThreadPoolExecutor(max_workers=max(1, len(watched))) as pool:
        futures = {code: pool.submit(probe, app["url"]) for code, app in watched.items()}
        return {code: future.result() for code, future in futures.items()}


def render_page(config, report):
    rows = "".join(
        f"<tr><td><a href='{html.escape(config['watched'][code]['public_url'])}'>{html.escape(code)}</a></td>"
        f"<td>{'✓ healthy' if r['healthy'] else '✗ ' + html.escape(r['detail'])}</td><td>{r['millis']} ms</td></tr>"
        for code, r in report.items()
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>status · {html.escape(config['env'])}"
        f"</title></head><body><h1>Environment {html.escape(config['env'])} ({html.escape(config['deploy_type'])})"
        f"</h1><table><tr><th>app</th><th>health</th><th>answered in</th></tr>{rows}</table></body></html>"
    )


class Handler(BaseHTTPRequestHandler):
    config = None

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path not in ("/", "/health", "/api/status"):
            return self.reply(404, "application/json", {"error": f"no such path {path}"})
        report = probe_all(self.config["watched"])
        if path == "/":
            return self.reply(200, "text/html", render_page(self.config, report))
        healthy = all(r["healthy"] for r in report.values())
        if path == "/health":
            return self.reply(
                200 if healthy else 503,
                "application/json",
                {"status": "ok" if healthy else "unavailable", "apps": report},
            )
        self.reply(
            200, "application/json", {"env": self.config["env"], "healthy": healthy, "apps": report}
        )

    def reply(self, status, content_type, body):
        data = (json.dumps(body) if content_type == "application/json" else body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        sys.stderr.write("status: %s %s\n" % (self.address_string(), format % args))


def main():
    port = os.environ.get("PORT0")
    if not port or not port.isdigit():
        sys.exit(
            "status: PORT0 is not set to a port number; qaeci sets it, or run PORT0=8000 python3 server.py"
        )
    Handler.config = load_config()
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), int(port)), Handler)
    print(f"status: listening on {server.server_address[0]}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
