"""What the Marathon back-end tests share besides fixtures: the double's credentials, the
artifact the store holds, and a back end on a double."""

from qaeci.backends.marathon import MarathonBackend
from qaeci.backends.marathon_client import MarathonClient

CREDENTIALS = "qaeci:secret"
ARTIFACT_KEY = "web/7f3c2a1-0123456789ab.tar.gz"


def make_backend(marathon, store, work_dir, credentials=CREDENTIALS, **options):
    options.setdefault("lock_wait", 10.0)
    options.setdefault("deployment_timeout", 10.0)
    clients = {"dev": MarathonClient("dev", marathon.url, credentials)}
    return MarathonBackend(clients, store, str(work_dir), "qa.example.com", **options)
