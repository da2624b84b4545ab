"""Mesos agents as OpenStack servers: a Keystone v3 password token (project scoped) whose
catalog gives the compute endpoint, and Nova's server create / get / list / delete, each server
tagged with metadata so the pack finds its own again.

Every failure is an OpenStackError with one line: what was asked, Nova's (or Keystone's) own
message, and a fix where one is known.
"""
import base64
import json
import socket
import urllib.error
import urllib.request

from qaeci.errors import QaeciError

TAG_KEY = "qaeci.scaling"
CLUSTER_KEY = "qaeci.cluster"


class OpenStackError(QaeciError):
    """One line naming the request, OpenStack's message and the fix."""


class NotFound(OpenStackError):
    pass


class OpenStackNodes(object):
    def __init__(self, settings, timeout=30.0):
        self.settings = settings  # scaling_settings.OpenStack
        self.timeout = timeout
        self._token = None
        self._compute = None

    # -- Keystone -------------------------------------------------------------------------------
    def authenticate(self):
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": self.settings.user, "domain": {"name": self.settings.user_domain},
                "password": self.settings.password}}},
            "scope": {"project": {"name": self.settings.project,
                                  "domain": {"name": self.settings.project_domain}}}}}
        status, headers, document = self._send(
            "POST", self.settings.auth_url + "/auth/tokens", body, "Keystone token", token=False)
        self._token = headers.get("X-Subject-Token")
        self._compute = self._endpoint((document.get("token") or {}).get("catalog") or [])
        return self._token

    def _endpoint(self, catalog):
        for service in catalog:
            if service.get("type") != "compute":
                continue
            for endpoint in service.get("endpoints") or []:
                if endpoint.get("interface") != self.settings.interface:
                    continue
                if self.settings.region and self.settings.region not in (
                        endpoint.get("region_id"), endpoint.get("region")):
                    continue
                return endpoint["url"].rstrip("/")
        raise OpenStackError(
            "the Keystone catalog of project %s has no %s compute endpoint%s; fix: check "
            "scaling.openstack.project, .region and .interface"
            % (self.settings.project, self.settings.interface,
               " in region %s" % self.settings.region if self.settings.region else ""))

    # -- Nova -----------------------------------------------------------------------------------
    def create(self, name, cluster, user_data):
        """Ask for one server; returns its id (it is BUILD until Nova says ACTIVE)."""
        server = {"name": name, "flavorRef": self.settings.flavor,
                  "imageRef": self.settings.image, "networks": [{"uuid": self.settings.network}],
                  "metadata": {TAG_KEY: self.settings.metadata_tag, CLUSTER_KEY: cluster},
                  "user_data": base64.b64encode(user_data.encode("utf-8")).decode("ascii")}
        if self.settings.key_name:
            server["key_name"] = self.settings.key_name
        _, _, document = self._compute_call("POST", "/servers", {"server": server},
                                            "creating server %s" % name)
        return document["server"]["id"]

    def get(self, server_id):
        _, _, document = self._compute_call("GET", "/servers/%s" % server_id, None,
                                            "looking up server %s" % server_id)
        return document["server"]

    def delete(self, server_id):
        """Delete the server; one already gone counts as deleted."""
        try:
            self._compute_call("DELETE", "/servers/%s" % server_id, None,
                               "deleting server %s" % server_id)
        except NotFound:
            pass

    def tagged(self, cluster=None):
        """Servers carrying this pack's metadata tag (of CLUSTER, when given)."""
        _, _, document = self._compute_call("GET", "/servers/detail", None, "listing servers")
        found = []
        for server in document.get("servers") or []:
            metadata = server.get("metadata") or {}
            if metadata.get(TAG_KEY) != self.settings.metadata_tag:
                continue
            if cluster is not None and metadata.get(CLUSTER_KEY) != cluster:
                continue
            found.append(server)
        return found

    def _compute_call(self, method, path, body, what):
        if self._token is None:
            self.authenticate()
        return self._send(method, self._compute + path, body, what)

    # -- HTTP -----------------------------------------------------------------------------------
    def _send(self, method, url, body, what, token=True):
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if token:
            headers["X-Auth-Token"] = self._token
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
                return response.status, response.headers, json.loads(payload) if payload else {}
        except urllib.error.HTTPError as error:
            raise self._refusal(error, what)
        except (urllib.error.URLError, socket.timeout, OSError) as error:
            raise OpenStackError("%s: OpenStack is unreachable at %s (%s); fix: check "
                                 "scaling.openstack.auth_url and the network"
                                 % (what, url, getattr(error, "reason", error)))

    def _refusal(self, error, what):
        message = _message(error.read())
        if error.code == 401:
            return OpenStackError("%s: Keystone refused the credentials (HTTP 401: %s); fix: check"
                                  " scaling.openstack.user, .password and .project"
                                  % (what, message))
        if error.code == 404:
            return NotFound("%s: %s" % (what, message))
        fix = {403: "; fix: raise the project's quota or lower scaling.max_nodes",
               400: "; fix: check scaling.openstack.flavor, .image and .network",
               409: "; fix: set scaling.openstack.network to one network's id"}.get(error.code, "")
        return OpenStackError("%s: HTTP %d: %s%s" % (what, error.code, message, fix))


def _message(raw):
    """Nova's {"<kind>": {"message": ...}} or Keystone's {"error": {"message": ...}}."""
    try:
        document = json.loads(raw.decode("utf-8"))
        return next(iter(document.values()))["message"]
    except Exception:
        return " ".join(raw.decode("utf-8", "replace").split())[:200] or "no message"


def fault(server):
    """Why Nova put a server in ERROR (its fault message), or its status."""
    return ((server.get("fault") or {}).get("message")
            or "status %s" % server.get("status", "unknown"))


def fixed_address(server):
    """The server's first IPv4 address (where its agent will register from), or None."""
    for addresses in (server.get("addresses") or {}).values():
        for address in addresses:
            if address.get("version", 4) == 4 and address.get("addr"):
                return address["addr"]
    return None
