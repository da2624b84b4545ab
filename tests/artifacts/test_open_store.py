"""Choosing a store from the pack config: by URL scheme, with only that store's client library
imported, and the file store's answer to fetch_url."""

import os
import subprocess
import sys
import urllib.request

import pytest
from qaeci.artifacts import open_store, store_for
from qaeci.config import PackConfig
from qaeci.errors import ArtifactStoreError

LIB = os.path.abspath(
    os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "packs", "qaeci", "lib")
)


def imported_after(url, auth, request=False):
    """The client libraries loaded once a fresh interpreter has opened the store at URL (and
    made a request to it, which fails: nothing listens there)."""
    script = (
        "import sys\n"
        "from qaeci.artifacts import open_store\n"
        "from qaeci.errors import ArtifactStoreError\n"
        "store = open_store(%r, %r, retries=0)\n"
        "try:\n"
        "    %s\n"
        "except ArtifactStoreError:\n"
        "    pass\n"
        "print(sorted(m for m in ('boto3', 'botocore', 'swiftclient') if m in sys.modules))"
        % (url, auth, "store.exists('x')" if request else "pass")
    )
    output = subprocess.run(
        [sys.executable, "-c", script],
        env=dict(os.environ, PYTHONPATH=LIB),
        stdout=subprocess.PIPE,
        universal_newlines=True,
        check=True,
        timeout=60,
    ).stdout
    return output.strip()


def test_only_the_chosen_stores_client_library_is_imported(tmp_path):
    assert imported_after("file://" + str(tmp_path), None, request=True) == "[]"
    s3 = {"access_key_id": "a", "secret_access_key": "b", "endpoint_url": "http://127.0.0.1:9"}
    swift = {"auth_url": "http://127.0.0.1:9/auth/v1.0", "user": "a:b", "key": "c"}
    # Opening checks the settings only; the library comes with the first request.
    assert imported_after("s3://bucket", s3) == "[]"
    assert imported_after("swift://container", swift) == "[]"
    assert imported_after("s3://bucket", s3, request=True) == "['boto3', 'botocore']"
    assert imported_after("swift://container", swift, request=True) == "['swiftclient']"


def test_the_pack_config_names_the_store_and_its_credentials(tmp_path):
    config = PackConfig(
        {
            "registry_path": str(tmp_path),
            "artifact_store": "s3://bucket/qaeci",
            "artifact_store_auth": {"access_key_id": "a", "secret_access_key": "b"},
        }
    )
    assert store_for(config).url("web/x.tar.gz") == "s3://bucket/qaeci/web/x.tar.gz"
    default = PackConfig(
        {"registry_path": str(tmp_path), "artifact_store": "file://" + str(tmp_path / "store")}
    )
    assert default.artifact_store_auth == {}
    assert store_for(default).url("") == "file://" + str(tmp_path / "store")


def test_the_file_stores_fetch_url_is_a_file_url_a_reader_can_open(tmp_path):
    source = tmp_path / "web.tar.gz"
    source.write_bytes(b"package bytes")
    store = open_store("file://" + str(tmp_path / "store"))
    store.put("web/one.tar.gz", str(source))
    url = store.fetch_url("web/one.tar.gz", 600)
    assert url == "file://" + str(tmp_path / "store" / "web" / "one.tar.gz")
    with urllib.request.urlopen(url) as reply:
        assert reply.read() == b"package bytes"


@pytest.mark.parametrize(
    "url, message",
    [
        (
            "ftp://h/x",
            "artifact_store scheme ftp:// is unknown; fix: use one of file://, swift://, s3://",
        ),
        (
            "/just/a/path",
            "has no scheme; fix: write file:///path/to/dir, swift://CONTAINER/prefix "
            "or s3://BUCKET/prefix",
        ),
        ("s3://", "names no bucket"),
        ("swift:///x", "names no container"),
    ],
)
def test_a_url_that_names_no_store_is_refused(url, message):
    with pytest.raises(ArtifactStoreError) as caught:
        open_store(url, {})
    assert message in str(caught.value)
