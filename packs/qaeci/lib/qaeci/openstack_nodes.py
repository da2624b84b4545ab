"""Mesos agents as OpenStack servers, through openstacksdk: a Keystone v3 password session
(project scoped; the compute endpoint from its catalog) and Nova's server create / get / list /
delete, each server tagged with metadata so the pack finds its own again.

The connection is built from the pack config alone: no clouds.yaml, no environment variables,
so it behaves the same under StackStorm's action runner whatever HOME is. Every failure is an
OpenStackError with one line: what was asked, OpenStack's own message, and a fix where one is
known.
"""

import base64

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
        self._connection = None

    @property
    def compute(self):
        if self._connection is None:
            import openstack  # heavy: only when OpenStack is used

            self._connection = openstack.connection.Connection(
                auth_url=self.settings.auth_url,
                username=self.settings.user,
                password=self.settings.password,
                project_name=self.settings.project,
                user_domain_name=self.settings.user_domain,
                project_domain_name=self.settings.project_domain,
                region_name=self.settings.region,
                interface=self.settings.interface,
                compute_api_version="2",
                api_timeout=self.timeout,
            )  # no cloud=: no clouds.yaml
        return self._connection.compute

    def create(self, name, cluster, user_data):
        """Ask for one server; returns its id (it is BUILD until Nova says ACTIVE)."""
        options = {
            "name": name,
            "flavor_id": self.settings.flavor,
            "image_id": self.settings.image,
            "networks": [{"uuid": self.settings.network}],
            "metadata": {TAG_KEY: self.settings.metadata_tag, CLUSTER_KEY: cluster},
            "user_data": base64.b64encode(user_data.encode("utf-8")).decode("ascii"),
        }
        if self.settings.key_name:
            options["key_name"] = self.settings.key_name
        return self._call(
            "creating server %s" % name, lambda: self.compute.create_server(**options)
        ).id

    def get(self, server_id):
        return _as_dict(
            self._call(
                "looking up server %s" % server_id, lambda: self.compute.get_server(server_id)
            )
        )

    def delete(self, server_id):
        """Delete the server; one already gone counts as deleted."""
        self._call(
            "deleting server %s" % server_id,
            lambda: self.compute.delete_server(server_id, ignore_missing=True),
        )

    def tagged(self, cluster=None):
        """Servers carrying this pack's metadata tag (of CLUSTER, when given)."""
        servers = self._call(
            "listing servers",
            lambda: [_as_dict(server) for server in self.compute.servers(details=True)],
        )
        found = []
        for server in servers:
            metadata = server.get("metadata") or {}
            if metadata.get(TAG_KEY) != self.settings.metadata_tag:
                continue
            if cluster is not None and metadata.get(CLUSTER_KEY) != cluster:
                continue
            found.append(server)
        return found

    def _call(self, what, request):
        """request() (connecting first, when not yet), its errors turned into one line."""
        from keystoneauth1 import exceptions as auth_errors
        from openstack import exceptions as sdk_errors

        try:
            return request()
        except (auth_errors.Unauthorized, sdk_errors.ForbiddenException) as error:
            if getattr(error, "http_status", getattr(error, "status_code", None)) == 401:
                raise self._refused_credentials(what, error) from error
            raise OpenStackError(
                "%s: HTTP 403: %s; fix: raise the project's quota or lower "
                "scaling.max_nodes" % (what, _message(error))
            ) from error
        except sdk_errors.NotFoundException as error:
            raise NotFound("%s: %s" % (what, _message(error))) from error
        except sdk_errors.HttpException as error:
            status = error.status_code
            if status == 401:
                raise self._refused_credentials(what, error) from error
            fix = {
                400: "; fix: check scaling.openstack.flavor, .image and .network",
                409: "; fix: set scaling.openstack.network to one network's id",
            }.get(status, "")
            raise OpenStackError(
                "%s: HTTP %s: %s%s" % (what, status, _message(error), fix)
            ) from error
        except auth_errors.ConnectFailure as error:
            raise OpenStackError(
                "%s: OpenStack is unreachable (%s); fix: check "
                "scaling.openstack.auth_url and the network" % (what, _message(error))
            ) from error
        except (auth_errors.ClientException, sdk_errors.SDKException) as error:
            raise OpenStackError(
                "%s: %s; fix: check scaling.openstack (auth_url, project, region,"
                " interface)" % (what, _message(error))
            ) from error

    def _refused_credentials(self, what, error):
        return OpenStackError(
            "%s: Keystone refused the credentials (HTTP 401: %s); fix: check "
            "scaling.openstack.user, .password and .project" % (what, _message(error))
        )


def _message(error):
    """OpenStack's own message (Nova's or Keystone's), on one line."""
    text = getattr(error, "details", None) or getattr(error, "message", None) or str(error)
    return " ".join(str(text).split())[:300]


def _as_dict(server):
    return {
        "id": server.id,
        "name": server.name,
        "status": server.status,
        "metadata": dict(server.metadata or {}),
        "addresses": server.addresses or {},
        "fault": server.fault,
    }


def fault(server):
    """Why Nova put a server in ERROR (its fault message), or its status."""
    return (server.get("fault") or {}).get("message") or "status %s" % server.get(
        "status", "unknown"
    )


def fixed_address(server):
    """The server's first IPv4 address (where its agent will register from), or None."""
    for addresses in (server.get("addresses") or {}).values():
        for address in addresses:
            if address.get("version", 4) == 4 and address.get("addr"):
                return address["addr"]
    return None
