"""The page's files as `st2lite serve` serves them: types, caching and security headers, nothing
outside the page's folder, and the API's own root paths left as they were."""

import http.client
import urllib.parse

import pytest
from api_testkit import Http, start_server


@pytest.fixture(scope="module")
def server():
    serve = start_server()  # separate ports: the page is on each of them
    yield serve
    serve.stop()


def raw_get(base_url, path):
    """GET with the path sent exactly as written (no client-side normalising of `..`)."""
    url = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path,content_type",
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/web/history.js", "text/javascript; charset=utf-8"),
        ("/web/chat.js", "text/javascript; charset=utf-8"),
        ("/web/links.js", "text/javascript; charset=utf-8"),
        ("/web/dom.js", "text/javascript; charset=utf-8"),
        ("/web/history.css", "text/css; charset=utf-8"),
    ],
)
def test_the_page_is_served_without_credentials(server, path, content_type):
    status, headers, body = raw_get(server.urls["api"], path)
    assert status == 200 and headers["Content-Type"] == content_type
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "Set-Cookie" not in headers
    assert body


def test_the_page_holds_no_data_and_fetches_nothing_from_the_network(server):
    _status, _headers, body = raw_get(server.urls["api"], "/")
    page = body.decode()
    assert "http://" not in page and "https://" not in page
    assert 'id="login"' in page


@pytest.mark.parametrize(
    "path",
    [
        "/web/",
        "/web/missing.js",
        "/web/../webui.py",
        "/web/..%2fwebui.py",
        "/web/%2e%2e/app.py",
        "/web/../../../../etc/passwd",
        "/web/index.html/..",
        "/../api/webui.py",
    ],
)
def test_nothing_outside_the_page_folder_and_no_listing(server, path):
    status, headers, body = raw_get(server.urls["api"], path)
    assert status in (401, 404), (path, status)
    assert headers["Content-Type"] == "application/json"
    assert b"import" not in body and b"root:" not in body


def test_the_api_root_still_answers_json_and_wants_a_token(server):
    for path in ("/v1/", "/v1"):
        status, headers, _body = raw_get(server.urls["api"], path)
        assert status == 401 and headers["Content-Type"] == "application/json"


def test_the_page_does_not_answer_other_methods(server):
    status, _headers, _body = Http(server.urls).call("POST", server.urls["api"][:-3] + "/", {})
    assert status in (401, 404, 405)
