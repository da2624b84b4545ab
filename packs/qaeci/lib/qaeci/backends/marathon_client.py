"""A small Marathon REST v2 client (standard library only).

Status codes and bodies follow Marathon 1.x (mesosphere/marathon `api/v2/AppsResource.scala`,
`GroupsResource.scala`, `DeploymentsResource.scala`, `MarathonExceptionMapper.scala`): errors are
JSON `{"message", ...}`; 409 when a deployment holds an app lists the holders in `deployments`;
writes answer `{deploymentId, version}` (POST /v2/apps answers the app) with a
`Marathon-Deployment-Id` header.

Configuration problems (unreachable, refused credentials, TLS) become one line that names the
Marathon and the pack config key to fix.
"""

import base64
import json
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request

from qaeci.backends.base import BackendError

DEPLOYMENT_HEADER = "Marathon-Deployment-Id"


class MarathonError(BackendError):
    """A request Marathon answered with an error: status and Marathon's JSON body."""

    def __init__(self, message, status=None, body=None):
        BackendError.__init__(self, message)
        self.status = status
        self.body = body or {}


class MarathonClient(object):
    """One Marathon, named by the deploy type it serves (clusters.NAME in the pack config, whose
    values qaeci.cluster_config has checked: auth is "user:password", ca_file exists)."""

    def __init__(self, name, url, auth=None, ca_file=None, timeout=10.0):
        self.name = name
        self.url = (url or "").rstrip("/")
        self.timeout = timeout
        self._auth_header = None
        if auth:
            self._auth_header = "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii")
        self._context = ssl.create_default_context(cafile=ca_file) if ca_file else None

    def __repr__(self):
        return "Marathon %s (%s)" % (self.name, self.url)

    # -- requests -----------------------------------------------------------------------------

    def request(self, method, path, body=None, query=None):
        """(status, JSON body or None, headers) of a 2xx answer; MarathonError otherwise."""
        url = self.url + urllib.parse.quote(path)
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self._auth_header:
            request.add_header("Authorization", self._auth_header)
        try:
            with urllib.request.urlopen(
                request, timeout=self.timeout, context=self._context
            ) as reply:
                return reply.status, _json(reply.read()), reply.headers
        except urllib.error.HTTPError as error:
            raise self._http_error(method, path, error.code, _json(error.read())) from error
        except (urllib.error.URLError, OSError) as error:
            raise self._transport_error(getattr(error, "reason", error)) from error

    def _http_error(self, method, path, status, body):
        body = body if isinstance(body, dict) else {}
        if status == 401:
            return MarathonError(
                "%r refused the credentials (HTTP 401); fix: set "
                "clusters.%s.marathon_auth to the right user:password" % (self, self.name),
                status,
                body,
            )
        if status == 403:
            return MarathonError(
                "%r forbids this user to %s %s (HTTP 403); fix: grant the user "
                "of clusters.%s.marathon_auth access to /%s"
                % (self, method, path, self.name, "qaeci"),
                status,
                body,
            )
        message = body.get("message") or "HTTP %d" % status
        details = "; ".join(
            "%s: %s" % (detail.get("path"), ", ".join(detail.get("errors", [])))
            for detail in body.get("details", [])
            if isinstance(detail, dict)
        )
        return MarathonError(
            "%r answered %s %s with HTTP %d: %s%s"
            % (self, method, path, status, message, " (%s)" % details if details else ""),
            status,
            body,
        )

    def _transport_error(self, reason):
        if isinstance(reason, ssl.SSLError) or isinstance(reason, ssl.CertificateError):
            return MarathonError(
                "%r: TLS failed (%s); fix: set clusters.%s.marathon_ca_file "
                "to the CA certificate that signed Marathon's, or make "
                "clusters.%s.marathon_url use the scheme and host name "
                "Marathon serves" % (self, _short(reason), self.name, self.name)
            )
        if isinstance(reason, (socket.timeout, TimeoutError)):
            what = "did not answer within %ss" % self.timeout
        else:
            what = "is unreachable (%s)" % _short(reason)
        return MarathonError(
            "%r %s; fix: check clusters.%s.marathon_url in the pack config and "
            "that Marathon runs there" % (self, what, self.name)
        )

    # -- the endpoints qaeci uses -------------------------------------------------------------

    def info(self):
        return self.request("GET", "/v2/info")[1]

    def app(self, app_id):
        """GET /v2/apps/{id} (tasks and lastTaskFailure embedded), or None when unknown."""
        try:
            return self.request("GET", "/v2/apps" + app_id)[1]["app"]
        except MarathonError as error:
            if error.status == 404:
                return None
            raise

    def apps_under(self, group_id):
        """Every app whose id starts with group_id/, with tasks and lastTaskFailure."""
        query = {"id": group_id + "/", "embed": ["apps.tasks", "apps.lastTaskFailure"]}
        apps = self.request("GET", "/v2/apps", query=query)[1]["apps"]
        return [app for app in apps if app["id"].startswith(group_id + "/")]

    def put_app(self, app_id, definition, force=False):
        """PUT the whole definition (created or replaced); the deployment id."""
        query = {"partialUpdate": "false"}
        if force:
            query["force"] = "true"
        _, body, headers = self.request("PUT", "/v2/apps" + app_id, definition, query)
        return headers.get(DEPLOYMENT_HEADER) or body["deploymentId"]

    def delete_app(self, app_id):
        """The deployment id of the removal, or None when the app does not exist."""
        return self._delete("/v2/apps" + app_id)

    def group(self, group_id):
        try:
            return self.request("GET", "/v2/groups" + group_id)[1]
        except MarathonError as error:
            if error.status == 404:
                return None
            raise

    def delete_group(self, group_id):
        return self._delete("/v2/groups" + group_id)

    def _delete(self, path):
        try:
            _, body, headers = self.request("DELETE", path)
        except MarathonError as error:
            if error.status == 404:
                return None
            raise
        return headers.get(DEPLOYMENT_HEADER) or body["deploymentId"]

    def deployments(self):
        return self.request("GET", "/v2/deployments")[1]

    def cancel_deployment(self, deployment_id):
        """Stop a deployment where it is, without a rollback (force=true: 202)."""
        try:
            self.request("DELETE", "/v2/deployments/" + deployment_id, query={"force": "true"})
        except MarathonError as error:
            if error.status != 404:
                raise


def _json(raw):
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return None


def _short(reason):
    text = str(getattr(reason, "strerror", None) or reason)
    return text.splitlines()[0][:200] if text else type(reason).__name__
