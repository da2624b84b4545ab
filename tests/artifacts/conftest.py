"""Artifact store tests: the pack's library and the API doubles on the path, a real tar.gz, a
Swift double and an S3 server (moto in server mode) on loopback."""
import io
import json
import os
import sys
import tarfile
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
LIB = os.path.join(TESTS, os.pardir, "packs", "qaeci", "lib")
for path in (os.path.abspath(LIB), TESTS):
    if path not in sys.path:
        sys.path.insert(0, path)

from doubles.swift import SwiftDouble  # noqa: E402

TEMP_URL_KEY = "qaeci-tempurl-key"  # the payloads' account key (account_post_set_tempurl_key)
S3_REGION = "us-east-1"


@pytest.fixture
def tarball(tmp_path):
    """A real app package: a tar.gz of a small tree, with enough random bytes to take several
    chunks on the wire."""
    path = tmp_path / "web.tar.gz"
    with tarfile.open(str(path), "w:gz") as archive:
        for name, data in (("web/app.properties", b"port=8080\n"),
                           ("web/lib/app.jar", os.urandom(3 * 1024 * 1024 + 17))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def members(path):
    with tarfile.open(str(path), "r:gz") as archive:
        return sorted(archive.getnames())


@pytest.fixture
def swift():
    double = SwiftDouble(temp_url_key=TEMP_URL_KEY).start()
    yield double
    double.stop()


def swift_auth(double, **more):
    auth = {"auth_url": double.auth_url, "user": double.user, "key": double.key}
    auth.update(more)
    return auth


@pytest.fixture(scope="module")
def s3_server():
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
        keys = _iam_user_with_s3_access(endpoint)
        yield S3Server(endpoint, keys)
        server.stop()


class S3Server(object):

    def __init__(self, endpoint, keys):
        self.endpoint = endpoint
        self.access_key_id, self.secret_access_key = keys

    def auth(self, **more):
        auth = {"endpoint_url": self.endpoint, "region": S3_REGION,
                "access_key_id": self.access_key_id, "secret_access_key": self.secret_access_key}
        auth.update(more)
        return auth

    def enforce_credentials(self, enforced):
        """moto checks signatures against its IAM keys only when told to (and then cannot
        serve presigned URLs): on for the credential tests, off otherwise."""
        request = urllib.request.Request(self.endpoint + "/moto-api/reset-auth", method="POST",
                                         data=b"0" if enforced else b"inf",
                                         headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(request, timeout=10).read()


def _iam_user_with_s3_access(endpoint):
    import boto3
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=S3_REGION)
    iam.create_user(UserName="qaeci")
    iam.put_user_policy(UserName="qaeci", PolicyName="artifacts", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="qaeci")["AccessKey"]
    boto3.client("s3", endpoint_url=endpoint, region_name=S3_REGION).create_bucket(
        Bucket="artifacts")
    return key["AccessKeyId"], key["SecretAccessKey"]


@pytest.fixture
def s3(s3_server):
    yield s3_server


@pytest.fixture
def s3_enforcing(s3_server):
    s3_server.enforce_credentials(True)
    try:
        yield s3_server
    finally:
        s3_server.enforce_credentials(False)
