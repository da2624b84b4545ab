"""The s3:// artifact store against moto's S3 server on loopback: what a user of `env up` sees
when the artifact store is an S3 bucket, and what the Mesos fetcher sees of presigned URLs."""

import logging
import socket
import time
import urllib.request
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from artifact_testkit import members
from qaeci.artifacts import open_store
from qaeci.errors import ArtifactStoreError

KEY = "web/7f3c2a1-maven-jdk8.tar.gz"


@pytest.fixture
def prefix():
    """Each test its own corner of the one bucket the module's server has."""
    return "qaeci-" + uuid.uuid4().hex[:8]


def test_a_package_goes_up_and_comes_back_whole(s3, prefix, tarball, tmp_path):
    store = open_store("s3://artifacts/" + prefix, s3.auth())
    assert not store.exists(KEY)
    store.put(KEY, str(tarball))
    assert store.exists(KEY)
    dest = tmp_path / "out" / "web.tar.gz"
    assert store.get(KEY, str(dest)) == str(dest)
    assert dest.read_bytes() == tarball.read_bytes()
    assert members(dest) == ["web/app.properties", "web/lib/app.jar"]
    assert store.url(KEY) == "s3://artifacts/%s/%s" % (prefix, KEY)


def test_list_returns_the_keys_under_a_prefix_without_the_stores_own(s3, prefix, tmp_path):
    source = tmp_path / "small.tar.gz"
    source.write_bytes(b"not really gzip, and the store does not care")
    store = open_store("s3://artifacts/" + prefix, s3.auth())
    keys = ["web/c.tar.gz", "api/a.tar.gz", "web/a.tar.gz"]
    for key in keys:
        store.put(key, str(source))
    assert store.list("web/") == ["web/a.tar.gz", "web/c.tar.gz"]
    assert store.list() == sorted(keys)
    assert store.list("db/") == []


def test_a_presigned_url_hands_the_package_to_a_reader_without_credentials(s3, prefix, tarball):
    store = open_store("s3://artifacts/" + prefix, s3.auth())
    store.put(KEY, str(tarball))
    url = store.fetch_url(KEY, 3600)
    with urllib.request.urlopen(url, timeout=10) as reply:  # no credentials, no boto3
        assert reply.read() == tarball.read_bytes()
    # moto serves a presigned URL without checking its expiry; what S3 checks is signed in:
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["3600"]
    signed_at = time.mktime(time.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ"))
    assert abs(signed_at - time.mktime(time.gmtime())) < 60


@pytest.mark.parametrize("expires", [7 * 24 * 3600 + 1, 0])
def test_a_presigned_url_past_sigv4s_week_is_refused(s3, expires):
    store = open_store("s3://artifacts", s3.auth())
    with pytest.raises(ArtifactStoreError) as caught:
        store.fetch_url(KEY, expires)
    assert str(caught.value) == (
        "a presigned S3 URL lives 1 to 604800 seconds, not %d; fix: "
        "ask for at most 7 days" % expires
    )


def test_a_missing_artifact_is_absent_and_cannot_be_fetched(s3, prefix, tmp_path):
    store = open_store("s3://artifacts/" + prefix, s3.auth())
    assert not store.exists("web/none.tar.gz")
    with pytest.raises(ArtifactStoreError) as caught:
        store.get("web/none.tar.gz", str(tmp_path / "x.tar.gz"))
    assert str(caught.value) == (
        "artifact web/none.tar.gz is not in the store "
        "s3://artifacts/%s; fix: run env up to build it" % prefix
    )
    assert not (tmp_path / "x.tar.gz").exists()


def test_a_missing_bucket_names_the_bucket_and_the_fix(s3, tarball, tmp_path):
    store = open_store("s3://nosuch/qaeci", s3.auth())
    expected = (
        "artifact store s3://nosuch/qaeci: the bucket 'nosuch' does not exist at %s; "
        "fix: create it (aws s3 mb s3://nosuch) or correct artifact_store" % s3.endpoint
    )
    for attempt in (
        lambda: store.exists(KEY),
        lambda: store.put(KEY, str(tarball)),
        lambda: store.get(KEY, str(tmp_path / "x")),
        lambda: store.list(),
    ):
        with pytest.raises(ArtifactStoreError) as caught:
            attempt()
        assert str(caught.value) == expected


def test_a_wrong_secret_is_one_line_without_the_secret(s3_enforcing, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "wrongSecretKeyThatMustNotLeak0123456789"
    store = open_store("s3://artifacts", s3_enforcing.auth(secret_access_key=secret))
    with pytest.raises(ArtifactStoreError) as caught:
        store.list()
    message = str(caught.value)
    assert message == (
        "artifact store s3://artifacts: S3 at %s refused access key %r "
        "(SignatureDoesNotMatch); fix: correct artifact_store_auth.access_key_id "
        "and secret_access_key" % (s3_enforcing.endpoint, s3_enforcing.access_key_id)
    )
    assert secret not in message and secret not in caplog.text


def test_an_unknown_access_key_is_named_with_the_fix(s3_enforcing):
    store = open_store("s3://artifacts", s3_enforcing.auth(access_key_id="AKIAUNKNOWN00000000"))
    with pytest.raises(ArtifactStoreError) as caught:
        store.list()
    assert (
        "refused access key 'AKIAUNKNOWN00000000' (InvalidAccessKeyId); fix: correct "
        "artifact_store_auth.access_key_id and secret_access_key" in str(caught.value)
    )


def test_with_enforced_credentials_the_right_keys_still_work(s3_enforcing, prefix, tarball):
    store = open_store("s3://artifacts/" + prefix, s3_enforcing.auth())
    store.put(KEY, str(tarball))
    assert store.list() == [KEY]


def test_an_unreachable_endpoint_is_one_line_naming_it():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        endpoint = "http://127.0.0.1:%d" % probe.getsockname()[1]
    store = open_store(
        "s3://artifacts",
        {"endpoint_url": endpoint, "access_key_id": "a", "secret_access_key": "b"},
        retries=0,
    )
    with pytest.raises(ArtifactStoreError) as caught:
        store.exists(KEY)
    assert str(caught.value) == (
        "artifact store s3://artifacts cannot reach S3 at %s (Connection refused); fix: check "
        "artifact_store_auth.endpoint_url and that the S3 server is up" % endpoint
    )


@pytest.mark.parametrize(
    "auth, message",
    [
        (
            {},
            "has no artifact_store_auth.access_key_id or .secret_access_key; fix: set "
            "access_key_id and secret_access_key under artifact_store_auth",
        ),
        ({"access_key_id": "a"}, "has no artifact_store_auth.secret_access_key;"),
        (
            {"access_key_id": "a", "secret_access_key": "b", "endpoint_url": "127.0.0.1:9000"},
            "artifact_store_auth.endpoint_url '127.0.0.1:9000' is no http(s) URL; fix: write it as "
            "https://HOST[:PORT]",
        ),
    ],
)
def test_missing_or_bad_settings_are_named_before_any_request(auth, message):
    with pytest.raises(ArtifactStoreError) as caught:
        open_store("s3://artifacts", auth)
    assert message in str(caught.value)


def test_a_download_that_does_not_match_the_uploads_md5_is_refused(s3, prefix, tarball, tmp_path):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    store = open_store("s3://artifacts/" + prefix, s3.auth())
    store.put(KEY, str(tarball))
    # The server runs in this process: damage the stored bytes behind its back.
    stored = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets["artifacts"].keys[prefix + "/" + KEY]
    stored.value = b"\0" + stored.value[1:]
    dest = tmp_path / "downloads" / "web.tar.gz"
    with pytest.raises(ArtifactStoreError) as caught:
        store.get(KEY, str(dest))
    assert "was corrupted" in str(caught.value) and "fix: run it again" in str(caught.value)
    assert list(dest.parent.iterdir()) == []  # neither the file nor a partial download
