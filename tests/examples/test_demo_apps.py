"""The demo apps, built by their registry build method, really start and work together on loopback."""

import importlib.util
import json
import os
import subprocess

import pytest
from demo_stand_ins import (
    DEMO_APPS,
    EXAMPLES,
    REGISTRY_APPS,
    free_port,
    registry_app,
    seed_rows,
    unquote_sql,
)

SEED_TITLES = [unquote_sql(row[1]) for row in seed_rows()]


def check_urls(code):
    return registry_app(code)["check"]["urls"]


def test_seed_has_the_books_the_demo_shows():
    assert len(SEED_TITLES) >= 5
    assert "Designing Data-Intensive Applications" in SEED_TITLES


def test_builds_produce_artifacts_without_excluded_files(built_artifacts):
    for code in REGISTRY_APPS:
        build = registry_app(code)["build"]
        artifact = built_artifacts[code]
        assert (artifact / "conf" / "app.json").is_file(), (
            f"{code}: config template missing from artifact"
        )
        for excluded in build.get("exclude", []):
            assert (EXAMPLES / "apps" / code / excluded).is_file(), (
                f"{code}: {excluded} is not in the source"
            )
            assert not (artifact / excluded).exists()
    assert json.loads((built_artifacts["prices"] / "BUILD_INFO.json").read_text())["commit"]
    assert {"server.js", "upstreams.js", "style.css"} <= {
        p.name for p in built_artifacts["shop"].iterdir()
    }


def test_every_app_answers_its_check_urls(demo_tree):
    tree = demo_tree().deploy_all()
    for code in DEMO_APPS:
        for url in check_urls(code):
            status, body = tree[code].poll(url, lambda status, _: status == 200)
            assert status == 200, f"{code}{url} answered {status}: {body}"


def test_shop_joins_books_prices_and_stock(demo_tree, fake_redis):
    tree = demo_tree().deploy_all()
    status, body = tree["shop"].poll("/api/catalogue", lambda status, _: status == 200)
    assert status == 200, body
    rows = {row["title"]: row for row in json.loads(body)["rows"]}
    assert sorted(rows) == sorted(SEED_TITLES)
    # Stock levels come from Redis, seeded from the stock app's config on first read.
    assert fake_redis.hashes["stock:levels"]["2"] == "0"
    assert rows["Site Reliability Engineering"]["copies"] == 0
    # 39.99 + 7% VAT, minus the 20% backlist discount: the book is from 2016.
    assert rows["Site Reliability Engineering"]["price"] == "34.23 EUR"
    status, page = tree["shop"].poll("/", lambda _, page: "sold out" in page)
    assert status == 200
    assert "Designing Data-Intensive Applications" in page and "sold out" in page
    assert "http://books.t.localhost:8080/" in page


def test_search_and_status_read_the_other_apps(demo_tree):
    tree = demo_tree().deploy_all()
    status, body = tree["search"].poll("/api/search?q=kleppmann", lambda status, _: status == 200)
    assert status == 200
    assert [book["title"] for book in json.loads(body)["results"]] == [
        "Designing Data-Intensive Applications"
    ]
    status, body = tree["status"].poll("/api/status", lambda _, body: json.loads(body)["healthy"])
    report = json.loads(body)
    assert report["healthy"] is True and set(report["apps"]) == set(DEMO_APPS) - {"status"}
    status, page = tree["status"].poll("/", lambda _, page: page.count("✓ healthy") == 5)
    assert status == 200 and page.count("✓ healthy") == 5


def test_health_fails_when_redis_goes_away_and_only_its_dependents_suffer(demo_tree, fake_redis):
    tree = demo_tree().deploy_all()
    fake_redis.stop()
    assert tree["stock"].get("/health")[0] == 503
    assert tree["shop"].get("/health")[0] == 503

    def unhealthy(body):
        return {code for code, probe in json.loads(body)["apps"].items() if not probe["healthy"]}

    status, body = tree["status"].poll(
        "/api/status", lambda _, body: unhealthy(body) == {"stock", "shop"}
    )
    assert unhealthy(body) == {"stock", "shop"}
    assert tree["books"].poll("/health", lambda status, _: status == 200)[0] == 200
    status, page = tree["shop"].get("/")
    assert status == 200 and 'class="error"' in page


def test_books_health_fails_on_wrong_mysql_credentials_or_closed_port(demo_tree, fake_mariadb):
    wrong_password = dict(fake_mariadb.credentials, password="wrong")
    tree = demo_tree(mysql=wrong_password)
    status, body = tree.deploy("books").get("/health")
    assert status == 503 and "Access denied" in json.loads(body)["error"]
    closed = dict(fake_mariadb.credentials, port=free_port())
    tree = demo_tree(mysql=closed)
    status, body = tree.deploy("books").get("/health")
    assert status == 503 and "Can't connect" in json.loads(body)["error"]


def test_prices_health_fails_when_books_is_down(demo_tree):
    tree = demo_tree()
    status, body = tree.deploy("prices").get("/health")  # books was never started
    assert status == 503 and str(tree.ports["books"]) in json.loads(body)["error"]


@pytest.mark.parametrize("code", REGISTRY_APPS)
def test_an_app_without_port0_exits_with_one_line_naming_it(built_artifacts, code):
    command = registry_app(code)["runtime"]["command"].split()
    env = {k: v for k, v in os.environ.items() if k != "PORT0"}
    done = subprocess.run(
        command, cwd=built_artifacts[code], env=env, capture_output=True, text=True, timeout=20
    )
    assert done.returncode != 0
    assert "PORT0" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_an_unrendered_config_is_refused_with_a_hint(built_artifacts):
    command = registry_app("books")["runtime"]["command"].split()
    done = subprocess.run(
        command,
        cwd=built_artifacts["books"],
        env=dict(os.environ, PORT0=str(free_port())),
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode != 0 and "render conf/app.json first" in done.stderr


def test_the_resp_client_parses_split_and_nested_replies():
    script = (
        "const r = require(process.argv[1]);"
        "const b = Buffer.from('*2\\r\\n$3\\r\\nabc\\r\\n*1\\r\\n:7\\r\\n');"
        "console.log(JSON.stringify([r.parseReply(b, 0).value, r.parseReply(b.subarray(0, 9), 0),"
        " r.parseReply(Buffer.from('$-1\\r\\n'), 0).value, r.encodeCommand(['HGET', 'k', 'é'])]));"
    )
    done = subprocess.run(
        ["node", "-e", script, str(EXAMPLES / "apps" / "stock" / "src" / "resp.js")],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    assert json.loads(done.stdout) == [
        ["abc", [7]],
        None,
        None,
        "*3\r\n$4\r\nHGET\r\n$1\r\nk\r\n$2\r\né\r\n",
    ]


def test_books_unescapes_batch_output():
    spec = importlib.util.spec_from_file_location(
        "demo_books_server", EXAMPLES / "apps" / "books" / "server.py"
    )
    books_server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(books_server)
    assert books_server.unescape_batch_field("a\\tb\\\\n\\nc") == "a\tb\\n\nc"
