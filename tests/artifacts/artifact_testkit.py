"""Helpers of the artifact store tests (a module of its own name: `conftest` is ambiguous
once several test folders run together)."""

import io
import json
import os
import tarfile
import urllib.request

TEMP_URL_KEY = "qaeci-tempurl-key"  # the payloads' account key (account_post_set_tempurl_key)
S3_REGION = "us-east-1"


def make_tarball(path):
    """A real app package at PATH: a tar.gz of a small tree, with enough random bytes to take
    several chunks on the wire."""
    with tarfile.open(str(path), "w:gz") as archive:
        for name, data in (
            ("web/app.properties", b"port=8080\n"),
            ("web/lib/app.jar", os.urandom(3 * 1024 * 1024 + 17)),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def members(path):
    with tarfile.open(str(path), "r:gz") as archive:
        return sorted(archive.getnames())


def swift_auth(double, **more):
    auth = {"auth_url": double.auth_url, "user": double.user, "key": double.key}
    auth.update(more)
    return auth


class S3Server(object):
    def __init__(self, endpoint, keys):
        self.endpoint = endpoint
        self.access_key_id, self.secret_access_key = keys

    def auth(self, **more):
        auth = {
            "endpoint_url": self.endpoint,
            "region": S3_REGION,
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
        }
        auth.update(more)
        return auth

    def enforce_credentials(self, enforced):
        """moto checks signatures against its IAM keys only when told to (and then cannot
        serve presigned URLs): on for the credential tests, off otherwise."""
        request = urllib.request.Request(
            self.endpoint + "/moto-api/reset-auth",
            method="POST",
            data=b"0" if enforced else b"inf",
            headers={"Content-Type": "text/plain"},
        )
        urllib.request.urlopen(request, timeout=10).read()


def iam_user_with_s3_access(endpoint):
    import boto3

    iam = boto3.client("iam", endpoint_url=endpoint, region_name=S3_REGION)
    iam.create_user(UserName="qaeci")
    iam.put_user_policy(
        UserName="qaeci",
        PolicyName="artifacts",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName="qaeci")["AccessKey"]
    boto3.client("s3", endpoint_url=endpoint, region_name=S3_REGION).create_bucket(
        Bucket="artifacts"
    )
    return key["AccessKeyId"], key["SecretAccessKey"]
