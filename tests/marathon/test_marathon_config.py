"""Bad configuration is one line naming the Marathon and the fix; the pack config picks the
Marathon by deploy type."""

import socket

import pytest
from qaeci.backends.base import BackendError
from qaeci.backends.marathon import MarathonBackend
from qaeci.backends.marathon_client import MarathonClient
from qaeci.cluster_config import read_clusters
from qaeci.config import PackConfig, open_backend
from qaeci.errors import ConfigError

from tests.doubles.marathon import MarathonDouble
from tests.marathon.marathon_helpers import CREDENTIALS, make_backend


def one_line_error(call):
    with pytest.raises(BackendError) as failed:
        call()
    message = str(failed.value)
    assert "\n" not in message
    return message


def test_wrong_credentials(marathon, store, tmp_path):
    backend = make_backend(marathon, store, tmp_path, credentials="qaeci:wrong")
    message = one_line_error(lambda: backend.status("e1"))
    assert "Marathon dev (%s) refused the credentials" % marathon.url in message
    assert "fix: set clusters.dev.marathon_auth" in message


def test_an_unreachable_marathon(store, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    url = "http://127.0.0.1:%d" % closed_port
    backend = MarathonBackend({"dev": MarathonClient("dev", url)}, store, str(tmp_path), "x")
    message = one_line_error(lambda: backend.environments())
    assert "Marathon dev (%s) is unreachable" % url in message
    assert "fix: check clusters.dev.marathon_url" in message


def test_a_tls_failure(marathon, store, tmp_path):
    url = marathon.url.replace("http://", "https://")  # it speaks plain HTTP
    backend = MarathonBackend(
        {"dev": MarathonClient("dev", url, CREDENTIALS)}, store, str(tmp_path), "x"
    )
    message = one_line_error(lambda: backend.environments())
    assert "Marathon dev (%s): TLS failed" % url in message
    assert "clusters.dev.marathon_ca_file" in message


def config(tmp_path, **values):
    values.setdefault("registry_path", str(tmp_path))
    values.setdefault("work_dir", str(tmp_path / "work"))
    return PackConfig(values)


def test_backend_marathon_needs_clusters_with_a_url(tmp_path):
    with pytest.raises(ConfigError, match="fix: add clusters.DEPLOY_TYPE.marathon_url"):
        config(tmp_path, backend="marathon")
    with pytest.raises(ConfigError, match="clusters.beta has no marathon_url"):
        config(tmp_path, backend="marathon", clusters={"beta": {"mesos_url": "http://m:5050"}})


URL = "http://marathon.dev.example:8080"


@pytest.mark.parametrize(
    "entry, expected",
    [
        (
            {"marathon_url": "marathon.dev.example:8080"},
            "clusters.dev.marathon_url must be a URL such as http://host:port",
        ),
        (
            {"marathon_url": URL, "marathon_auth": "s3cret-without-user"},
            'clusters.dev.marathon_auth must be "user:password"',
        ),
        (
            {"marathon_url": URL, "marathon_ca_file": "/nowhere/ca.pem"},
            "clusters.dev.marathon_ca_file: no file at '/nowhere/ca.pem'",
        ),
        ({"marathon_url": URL, "mesos_url": ""}, "clusters.dev.mesos_url must be a URL"),
        (
            {"marathon_url": URL, "docker_hosts": ["/var/run/docker.sock"]},
            "clusters.dev.docker_hosts: '/var/run/docker.sock' is not unix://PATH or tcp://HOST:PORT",
        ),
        ("http://marathon.dev.example:8080", "clusters.dev must be a mapping"),
    ],
)
def test_a_bad_cluster_entry_stops_the_back_end_and_the_sensors_skip_it(tmp_path, entry, expected):
    with pytest.raises(ConfigError) as refused:
        config(tmp_path, backend="marathon", clusters={"dev": entry})
    message = str(refused.value)
    assert message.startswith(expected) and "fix:" in message and "\n" not in message
    assert "s3cret" not in message  # a secret is never shown
    # The sensors read the same entry by the same rule and watch the other clusters.
    clusters, problems = read_clusters(
        {"clusters": {"dev": entry, "beta": {"mesos_url": "http://m:5050"}}}
    )
    assert ([cluster.name for cluster in clusters], problems) == (["beta"], [message])


def test_other_back_ends_leave_bad_cluster_entries_to_the_sensors(tmp_path):
    pack = config(
        tmp_path,
        clusters={
            "dev": {"mesos_url": "http://mesos.dev.example:5050/"},
            "beta": {"docker_hosts": "/var/run/docker.sock"},
        },
    )
    assert list(pack.clusters) == ["dev"]
    assert pack.clusters["dev"].mesos_url == "http://mesos.dev.example:5050"


def test_the_deploy_type_picks_the_marathon(marathon, store, tmp_path, spec_for):
    with MarathonDouble(credentials=CREDENTIALS, start_delay=0.02) as beta:
        clusters = {
            "dev": {"marathon_url": marathon.url, "marathon_auth": CREDENTIALS},
            "beta": {"marathon_url": beta.url, "marathon_auth": CREDENTIALS},
        }
        backend = open_backend(
            config(tmp_path, backend="marathon", clusters=clusters, marathon={"lock_wait": 5}),
            store,
        )
        backend.deploy(spec_for(env="b1", deploy_type="beta"))
        assert (marathon.apps(), beta.apps()) == ([], ["/qaeci/b1/web"])
        # A later call that does not name the deploy type finds the env where it lives.
        fresh = open_backend(config(tmp_path, backend="marathon", clusters=clusters), store)
        assert fresh.app_status("b1", "web").state == "running"
        assert fresh.status("never") == {}
        message = one_line_error(lambda: fresh.deploy(spec_for(env="n1")))
        assert "deploy type was not given" in message
        message = one_line_error(lambda: fresh.deploy(spec_for(env="n1", deploy_type="prod")))
        assert "fix: add clusters.prod.marathon_url" in message


def self_signed_certificate(directory):
    """(certificate file, key file) for 127.0.0.1, signed by itself."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "marathon.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "marathon.pem", directory / "marathon.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def test_an_untrusted_certificate_until_its_ca_file_is_configured(store, tmp_path):
    cert_file, key_file = self_signed_certificate(tmp_path)
    with MarathonDouble(credentials=CREDENTIALS, tls=(cert_file, key_file)) as secure:
        untrusting = MarathonBackend(
            {"dev": MarathonClient("dev", secure.url, CREDENTIALS)}, store, str(tmp_path), "x"
        )
        message = one_line_error(lambda: untrusting.environments())
        assert "TLS failed" in message and "CERTIFICATE_VERIFY_FAILED" in message
        trusting = MarathonBackend(
            {"dev": MarathonClient("dev", secure.url, CREDENTIALS, ca_file=cert_file)},
            store,
            str(tmp_path),
            "x",
        )
        assert trusting.environments() == []
        configured = open_backend(
            config(
                tmp_path,
                backend="marathon",
                clusters={
                    "dev": {
                        "marathon_url": secure.url,
                        "marathon_auth": CREDENTIALS,
                        "marathon_ca_file": cert_file,
                    }
                },
            ),
            store,
        )
        assert configured.environments() == []
