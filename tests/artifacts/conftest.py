"""Artifact store tests: the pack's library and the API doubles on the path, a real tar.gz, a
Swift double and an S3 server (moto in server mode) on loopback."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
LIB = os.path.join(TESTS, os.pardir, "packs", "qaeci", "lib")
if os.path.abspath(LIB) not in sys.path:
    sys.path.insert(0, os.path.abspath(LIB))
for path in (TESTS, HERE):  # for doubles.swift and artifact_testkit; last, to shadow nothing
    if path not in sys.path:
        sys.path.append(path)

from artifact_testkit import (  # noqa: E402  (after the test folders are on the path)
    S3_REGION,
    TEMP_URL_KEY,
    S3Server,
    iam_user_with_s3_access,
    make_tarball,
)
from doubles.swift import SwiftDouble  # noqa: E402


@pytest.fixture
def tarball(tmp_path):
    return make_tarball(tmp_path / "web.tar.gz")


@pytest.fixture
def swift():
    double = SwiftDouble(temp_url_key=TEMP_URL_KEY).start()
    yield double
    double.stop()


@pytest.fixture(scope="session")
def s3():
    """moto's S3 (and the IAM it checks keys against) on 127.0.0.1: a bucket `artifacts`, and
    an IAM user allowed s3:* whose keys the tests use. Nothing talks to AWS: every client gets
    this endpoint and fake or moto-made keys, and no credentials file is read."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", S3_REGION)
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = "http://%s:%d" % (host, port)
        keys = iam_user_with_s3_access(endpoint)
        yield S3Server(endpoint, keys)
        server.stop()


@pytest.fixture
def s3_enforcing(s3):
    s3.enforce_credentials(True)
    try:
        yield s3
    finally:
        s3.enforce_credentials(False)
