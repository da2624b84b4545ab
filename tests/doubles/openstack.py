"""An OpenStack double: Keystone v3 password tokens with a catalog, and Nova servers (create,
get, list, delete, with metadata) that go BUILD -> ACTIVE after a boot delay, built from
../shared/payloads/openstack/.

Wired to a Mesos master double, an ACTIVE server registers a Mesos agent from its fixed address
with the --attributes its cloud-init user data starts mesos-agent with, as cloud-init would; a
deleted server's agent leaves. Test controls make Nova refuse a create (quota, bad flavor), put a
server in ERROR, or accept a create yet answer it with an error (the server exists unseen).
"""

import base64
import json
import re
import threading
import time
import uuid

from tests.doubles.loopback_http import LoopbackHttpDouble, json_response
from tests.doubles.payloads import load_json

PROJECT_ID = "a6944d763bf64ee6a275f1263fae0352"
TOKEN_PATH = "/identity/v3/auth/tokens"
COMPUTE = "/compute/v2.1/" + PROJECT_ID


class OpenStackDouble(LoopbackHttpDouble):
    def __init__(
        self,
        mesos=None,
        boot_delay=0.2,
        user="qaeci-bot",
        password="s3cret",
        project="qaeci",
        flavors=("3",),
        images=("70a599e0-31e7-49b7-b260-868f441e862b",),
        networks=("ff608d40-75e9-48cb-b745-77bb55b5eaf2",),
        max_servers=None,
    ):
        super(OpenStackDouble, self).__init__()
        self._lock = threading.Lock()
        self.mesos = mesos
        self.boot_delay = boot_delay
        self.credentials = (user, password, project)
        self.flavors, self.images, self.networks = set(flavors), set(images), set(networks)
        self.max_servers = max_servers
        self.servers = {}  # id -> server document (Nova's shape)
        self.deleted = []  # ids, in order
        self.created = 0
        self.tokens = set()
        self._faults = []  # (create number, kind) to apply
        self._timers = []

    # -- test controls --------------------------------------------------------------------------
    def fail_create(self, number, kind="quota"):
        """The NUMBER-th create (1-based, counted over the double's life) fails: quota (403),
        flavor (400), lost_answer (created, but answered 500: the client never learns the id), or
        boot_error (accepted, then the server goes to ERROR instead of ACTIVE)."""
        self._faults.append((number, kind))

    @property
    def url_identity(self):
        return self.url + "/identity/v3"

    def live_ids(self):
        with self._lock:
            return sorted(self.servers)

    # -- HTTP -----------------------------------------------------------------------------------
    def route(self, method, path, query, headers, body):
        with self._lock:
            self.requests.append((method, path))
            if path == TOKEN_PATH and method == "POST":
                return self._token(body)
            if method == "GET" and path.rstrip("/") in self._versions():
                return json_response(200, self._versions()[path.rstrip("/")])
            if not path.startswith(COMPUTE):
                return json_response(404, {"itemNotFound": {"code": 404, "message": "Not found"}})
            if headers.get("X-Auth-Token") not in self.tokens:
                return json_response(401, load_json("openstack", "keystone_error_401.json"))
            rest = path[len(COMPUTE) :]
            if rest == "/servers" and method == "POST":
                return self._create(body)
            if rest == "/servers/detail" and method == "GET":
                return json_response(
                    200, {"servers": [_public(server) for server in self.servers.values()]}
                )
            match = re.match(r"^/servers/([^/]+)$", rest)
            if match and method == "GET":
                return self._get(match.group(1))
            if match and method == "DELETE":
                return self._delete(match.group(1))
        return json_response(404, {"itemNotFound": {"code": 404, "message": "Not found"}})

    def _versions(self):
        """Version discovery documents, as Keystone and Nova serve them at their roots (what
        keystoneauth, and so openstacksdk, reads before the first call)."""
        keystone = {
            "id": "v3.14",
            "status": "stable",
            "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": self.url + "/identity/v3/"}],
            "media-types": [
                {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
            ],
        }
        nova = {
            "id": "v2.1",
            "status": "CURRENT",
            "version": "2.79",
            "min_version": "2.1",
            "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": self.url + "/compute/v2.1/"}],
        }
        return {
            "/identity": {"versions": {"values": [keystone]}},
            "/identity/v3": {"version": keystone},
            "/compute": {"versions": [nova]},
            "/compute/v2.1": {"version": nova},
            COMPUTE: {"version": nova},
        }

    def _token(self, body):
        auth = json.loads(body.decode("utf-8"))["auth"]
        user = auth["identity"]["password"]["user"]
        project = auth["scope"]["project"]["name"]
        if (user["name"], user["password"], project) != self.credentials:
            return json_response(401, load_json("openstack", "keystone_error_401.json"))
        document = load_json("openstack", "keystone_auth_tokens_response_201.json")
        # The recorded token has long expired: a client would authenticate before every call.
        document["token"]["expires_at"] = time.strftime(
            "%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(time.time() + 3600)
        )
        for service in document["token"]["catalog"]:
            base = {"identity": self.url + "/identity", "compute": self.url + COMPUTE}.get(
                service["type"], self.url + "/" + service["type"]
            )
            for endpoint in service["endpoints"]:
                endpoint["url"] = base
        token = uuid.uuid4().hex
        self.tokens.add(token)
        status, headers, payload = json_response(201, document)
        headers["X-Subject-Token"] = token
        return status, headers, payload

    def _create(self, body):
        request = json.loads(body.decode("utf-8"))["server"]
        self.created += 1
        kind = dict(self._faults).get(self.created)
        if kind == "quota" or (
            self.max_servers is not None and len(self.servers) >= self.max_servers
        ):
            return json_response(403, load_json("openstack", "nova_error_403_quota.json"))
        if kind == "flavor" or request.get("flavorRef") not in self.flavors:
            return json_response(400, load_json("openstack", "nova_error_400_flavor.json"))
        if request.get("imageRef") not in self.images or not all(
            network.get("uuid") in self.networks for network in request.get("networks", [])
        ):
            return json_response(400, load_json("openstack", "nova_error_400_schema.json"))
        server = self._new_server(request)
        self.servers[server["id"]] = server
        timer = threading.Timer(self.boot_delay, self._boot, (server["id"], kind == "boot_error"))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()
        if kind == "lost_answer":
            return json_response(
                500, {"computeFault": {"code": 500, "message": "Unexpected API Error."}}
            )
        answer = load_json("openstack", "nova_servers_create_response_202.json")
        answer["server"]["id"] = server["id"]
        return json_response(202, answer)

    def _new_server(self, request):
        server = load_json("openstack", "nova_server_get_build.json")["server"]
        number = len(self.servers) + len(self.deleted) + 1
        server.update(
            id=str(uuid.uuid4()),
            name=request["name"],
            metadata=dict(request.get("metadata") or {}),
            key_name=request.get("key_name"),
            addresses={},
        )
        server["flavor"]["id"] = request["flavorRef"]
        server["image"]["id"] = request["imageRef"]
        server["_address"] = "127.0.2.%d" % number
        server["_user_data"] = base64.b64decode(request.get("user_data") or "").decode("utf-8")
        return server

    def _boot(self, server_id, error):
        with self._lock:
            server = self.servers.get(server_id)
            if server is None:
                return
            if error:
                failed = load_json("openstack", "nova_server_get_error.json")["server"]
                server.update(status="ERROR", fault=failed["fault"])
                return
            server.update(
                status="ACTIVE",
                addresses={
                    "qa-net": [
                        {"addr": server["_address"], "version": 4, "OS-EXT-IPS:type": "fixed"}
                    ]
                },
            )
            server["OS-EXT-STS:task_state"] = None
            server["OS-EXT-STS:vm_state"] = "active"
        if self.mesos is not None:  # cloud-init starts mesos-agent; it registers
            self.mesos.register_agent(server["_address"], _attributes(server["_user_data"]))

    def _get(self, server_id):
        server = self.servers.get(server_id)
        if server is None:
            return self._not_found(server_id)
        return json_response(200, {"server": _public(server)})

    def _delete(self, server_id):
        server = self.servers.pop(server_id, None)
        if server is None:
            return self._not_found(server_id)
        self.deleted.append(server_id)
        if self.mesos is not None:
            for agent in list(self.mesos.agents):
                if agent["hostname"] == server["_address"]:
                    self.mesos.remove_agent(agent["id"])
        return 204, {}, b""

    def _not_found(self, server_id):
        document = load_json("openstack", "nova_error_404_server.json")
        document["itemNotFound"]["message"] = "Instance %s could not be found." % server_id
        return json_response(404, document)

    def stop(self):
        for timer in self._timers:
            timer.cancel()
        super(OpenStackDouble, self).stop()


def _attributes(user_data):
    match = re.search(r"--attributes=([^\s']+)", user_data)
    if not match:
        return {}
    return dict(pair.split(":", 1) for pair in match.group(1).split(";") if ":" in pair)


def _public(server):
    """The server as Nova shows it (without the double's own _fields)."""
    return {key: value for key, value in server.items() if not key.startswith("_")}
