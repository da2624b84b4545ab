"""The swift:// artifact store against the Swift double: what a user of `env up` sees when the
artifact store is a Swift container, and what the Mesos fetcher sees of its temp URLs."""

import json
import logging
import os
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from artifact_testkit import TEMP_URL_KEY, members, swift_auth
from doubles.swift import PAYLOADS, SwiftDouble
from qaeci.artifacts import open_store
from qaeci.artifacts.swift_store import signed_temp_url
from qaeci.errors import ArtifactStoreError

KEY = "web/7f3c2a1-maven-jdk8.tar.gz"


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.read(), reply.headers


def refused(url):
    with pytest.raises(urllib.error.HTTPError) as caught:
        fetch(url)
    return caught.value.code, caught.value.read()


def test_a_package_goes_up_and_comes_back_whole(swift, tarball, tmp_path):
    store = open_store("swift://artifacts/qaeci", swift_auth(swift))
    assert not store.exists(KEY)
    store.put(KEY, str(tarball))
    assert store.exists(KEY)
    stored = swift.containers["artifacts"]["qaeci/" + KEY]
    assert stored.content_type == "application/gzip"
    put = [headers for method, path, headers in swift.requests if method == "PUT"][-1]
    assert put["etag"] == stored.etag  # Swift checked the body against the MD5 we sent
    dest = tmp_path / "out" / "web.tar.gz"
    assert store.get(KEY, str(dest)) == str(dest)
    assert dest.read_bytes() == tarball.read_bytes()
    assert members(dest) == ["web/app.properties", "web/lib/app.jar"]
    assert store.url(KEY) == "swift://artifacts/qaeci/" + KEY


def test_an_upload_damaged_on_the_way_is_refused_by_swift_and_reported(swift, tarball):
    store = open_store("swift://artifacts", swift_auth(swift))
    swift.damage_next_upload = True
    with pytest.raises(ArtifactStoreError) as caught:
        store.put(KEY, str(tarball))
    assert str(caught.value) == (
        "artifact store swift://artifacts: Swift refused the upload of "
        "%s: the bytes it received do not match their MD5 (422); fix: "
        "run it again" % KEY
    )
    assert not store.exists(KEY)  # nothing half-written is visible
    store.put(KEY, str(tarball))
    assert store.exists(KEY)


def test_list_pages_through_a_long_listing_and_strips_the_store_prefix(tarball):
    swift = SwiftDouble(listing_limit=2).start()
    try:
        store = open_store("swift://artifacts/qaeci", swift_auth(swift))
        keys = ["web/c.tar.gz", "api/a.tar.gz", "web/a.tar.gz", "web/b.tar.gz", "web/d.tar.gz"]
        for key in keys:
            store.put(key, str(tarball))
        assert store.list("web/") == [
            "web/a.tar.gz",
            "web/b.tar.gz",
            "web/c.tar.gz",
            "web/d.tar.gz",
        ]
        assert store.list() == sorted(keys)
        assert store.list("db/") == []
    finally:
        swift.stop()


def test_a_temp_url_hands_the_package_to_a_reader_without_credentials(swift, tarball):
    store = open_store("swift://artifacts/qaeci", swift_auth(swift, temp_url_key=TEMP_URL_KEY))
    store.put(KEY, str(tarball))
    url = store.fetch_url(KEY, 600)
    query = parse_qs(urlsplit(url).query)
    assert len(query["temp_url_sig"][0]) == 64  # sha256, the cluster's best digest
    assert abs(int(query["temp_url_expires"][0]) - (time.time() + 600)) < 60
    body, headers = fetch(url)
    assert body == tarball.read_bytes()
    assert headers["Content-Disposition"].startswith(
        'attachment; filename="7f3c2a1-maven-jdk8.tar.gz"'
    )


def test_an_expired_or_altered_temp_url_is_refused(swift, tarball):
    store = open_store("swift://artifacts", swift_auth(swift, temp_url_key=TEMP_URL_KEY))
    store.put(KEY, str(tarball))
    expired = signed_temp_url(
        swift.storage_url, "artifacts", KEY, TEMP_URL_KEY, "sha256", int(time.time()) - 5
    )
    assert refused(expired) == (401, b"401 Unauthorized: Temp URL invalid\n")
    good = store.fetch_url(KEY, 600)
    assert refused(good.replace("temp_url_sig=", "temp_url_sig=0"))[0] == 401
    assert refused(good.replace("web/", "api/"))[0] == 401  # signed for another object
    wrong_key = signed_temp_url(
        swift.storage_url, "artifacts", KEY, "guessed", "sha256", int(time.time()) + 600
    )
    assert refused(wrong_key)[0] == 401


def test_temp_urls_are_signed_as_swifts_tempurl_middleware_documents():
    with open(os.path.join(PAYLOADS, "tempurl.json")) as recorded:
        example = json.load(recorded)["qaeci_artifact_example"]
    url = signed_temp_url(
        "https://swift.qa.example.com/v1/AUTH_qa",
        "artifacts",
        "web/7f3c2a1/web.tar.gz",
        example["key"],
        "sha256",
        1893456000,
    )
    assert url == example["get"]["url"]


def test_an_old_cluster_that_allows_only_sha1_gets_sha1_temp_urls(tarball):
    swift = SwiftDouble(temp_url_key=TEMP_URL_KEY, allowed_digests=["sha1"]).start()
    try:
        store = open_store("swift://artifacts", swift_auth(swift))
        store.put(KEY, str(tarball))
        url = store.fetch_url(KEY, 600)
        assert len(parse_qs(urlsplit(url).query)["temp_url_sig"][0]) == 40
        assert fetch(url)[0] == tarball.read_bytes()
    finally:
        swift.stop()


def test_without_a_configured_key_the_accounts_own_temp_url_key_signs(swift, tarball):
    store = open_store("swift://artifacts", swift_auth(swift))  # no temp_url_key in the config
    store.put(KEY, str(tarball))
    assert fetch(store.fetch_url(KEY, 600))[0] == tarball.read_bytes()


def test_an_account_without_any_temp_url_key_is_one_clear_line(tarball):
    swift = SwiftDouble(temp_url_key=None).start()
    try:
        store = open_store("swift://artifacts", swift_auth(swift))
        with pytest.raises(ArtifactStoreError) as caught:
            store.fetch_url(KEY, 600)
        assert "has no Temp-URL-Key; fix: set one" in str(caught.value)
    finally:
        swift.stop()


def test_a_missing_artifact_is_absent_and_cannot_be_fetched(swift, tmp_path):
    store = open_store("swift://artifacts/qaeci", swift_auth(swift))
    assert not store.exists("web/none.tar.gz")
    with pytest.raises(ArtifactStoreError) as caught:
        store.get("web/none.tar.gz", str(tmp_path / "x.tar.gz"))
    assert str(caught.value) == (
        "artifact web/none.tar.gz is not in the store "
        "swift://artifacts/qaeci; fix: run env up to build it"
    )
    assert not (tmp_path / "x.tar.gz").exists()


def test_a_missing_container_names_the_container_and_the_fix(swift, tarball):
    store = open_store("swift://nosuch/qaeci", swift_auth(swift))
    for attempt in (
        lambda: store.exists(KEY),
        lambda: store.put(KEY, str(tarball)),
        lambda: store.list(),
    ):
        with pytest.raises(ArtifactStoreError) as caught:
            attempt()
        assert str(caught.value) == (
            "artifact store swift://nosuch/qaeci: the container "
            "'nosuch' does not exist; fix: create it (swift post "
            "nosuch) or correct artifact_store"
        )


def test_bad_credentials_are_one_line_without_the_secret(swift, caplog):
    caplog.set_level(logging.DEBUG)
    store = open_store("swift://artifacts", swift_auth(swift, key="s3cr3t-wrong-key"))
    with pytest.raises(ArtifactStoreError) as caught:
        store.exists(KEY)
    message = str(caught.value)
    assert message == (
        "artifact store swift://artifacts: the Swift auth at %s refused user "
        "'qa:tester' (401); fix: correct artifact_store_auth.user and key" % swift.auth_url
    )
    assert "s3cr3t" not in message and "s3cr3t" not in caplog.text
    assert "\n" not in message


def test_a_token_from_the_config_works_until_swift_refuses_it(swift, tarball, caplog):
    caplog.set_level(logging.DEBUG)
    auth = {"storage_url": swift.storage_url, "token": swift.issue_token()}
    store = open_store("swift://artifacts", auth)
    store.put(KEY, str(tarball))
    assert store.exists(KEY)
    swift.revoke_tokens()
    with pytest.raises(ArtifactStoreError) as caught:
        open_store("swift://artifacts", auth).exists(KEY)
    assert str(caught.value) == (
        "artifact store swift://artifacts: Swift refused the token "
        "(401); fix: renew artifact_store_auth.token"
    )
    token_part = auth["token"][len("AUTH_tk") :][:8]  # swiftclient would log a prefix of it
    assert token_part not in str(caught.value) and token_part not in caplog.text


def test_an_expired_session_token_is_renewed_with_the_users_key(swift, tarball, tmp_path):
    store = open_store("swift://artifacts", swift_auth(swift))
    store.put(KEY, str(tarball))
    swift.revoke_tokens()
    store.get(KEY, str(tmp_path / "again.tar.gz"))
    assert (tmp_path / "again.tar.gz").read_bytes() == tarball.read_bytes()


def test_an_unreachable_swift_is_one_line_naming_the_url(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    auth = {
        "auth_url": "http://127.0.0.1:%d/auth/v1.0" % port,
        "user": "qa:tester",
        "key": "testing",
    }
    store = open_store("swift://artifacts", auth, retries=0)
    with pytest.raises(ArtifactStoreError) as caught:
        store.exists(KEY)
    assert str(caught.value) == (
        "artifact store swift://artifacts cannot reach Swift at http://127.0.0.1:%d/auth/v1.0 "
        "(Connection refused); fix: check artifact_store_auth.auth_url and that Swift is up" % port
    )


def test_a_download_that_does_not_match_its_etag_is_refused_and_not_kept(swift, tarball, tmp_path):
    store = open_store("swift://artifacts", swift_auth(swift))
    store.put(KEY, str(tarball))
    swift.corrupt("artifacts", KEY)
    dest = tmp_path / "downloads" / "web.tar.gz"
    with pytest.raises(ArtifactStoreError) as caught:
        store.get(KEY, str(dest))
    assert "was corrupted" in str(caught.value) and "fix: run it again" in str(caught.value)
    assert os.listdir(str(dest.parent)) == []  # neither the file nor a partial download


@pytest.mark.parametrize(
    "auth, missing",
    [
        ({}, "artifact_store_auth.auth_url or .user or .key"),
        ({"auth_url": "http://127.0.0.1:9/auth/v1.0", "user": "qa:tester"}, ".key"),
        ({"token": "t"}, "artifact_store_auth.storage_url;"),
    ],
)
def test_missing_credentials_are_named_before_any_request(auth, missing):
    with pytest.raises(ArtifactStoreError) as caught:
        open_store("swift://artifacts", auth)
    assert missing in str(caught.value)
    assert "fix: set auth_url, user (account:user) and key, or storage_url and token" in str(
        caught.value
    )


@pytest.mark.parametrize("key", ["../escape.tar.gz", "/abs.tar.gz", "web//x.tar.gz", ""])
def test_keys_that_are_not_plain_relative_names_are_refused(swift, key):
    store = open_store("swift://artifacts", swift_auth(swift))
    with pytest.raises(ArtifactStoreError) as caught:
        store.exists(key)
    assert "is not a plain relative name" in str(caught.value)


def test_a_url_without_a_container_is_refused():
    with pytest.raises(ArtifactStoreError) as caught:
        open_store("swift://", {})
    assert "names no container" in str(caught.value)
