"""StackStorm's API as far as answering an inquiry goes: GET|PUT /v1/inquiries/{id}, GET
/v1/user and GET /v1/rbac/role_assignments?user=, behind the St2-Api-Key header (or an
X-Auth-Token, as an action's ST2_ACTION_AUTH_TOKEN, when given one), with
StackStorm's statuses and faultstrings (st2api's InquiriesController, st2common's inquiry
service: the key's account is checked against `users`, and `roles` only count with RBAC on)."""

import json
import threading

from tests.doubles.loopback_http import LoopbackHttpDouble, json_response

PREFIX = "/v1/inquiries/"


class St2InquiriesDouble(LoopbackHttpDouble):
    def __init__(self, api_key, key_user="qaeci-bot", rbac=False, auth_token=None):
        super(St2InquiriesDouble, self).__init__()
        self.api_key = api_key
        self.auth_token = auth_token  # a token of key_user too
        self.key_user = key_user
        self.rbac = rbac
        self.role_assignments = {}  # {user: [role]}
        self.inquiries = {}  # {id: {id, schema, users, roles, route, ttl, status}}
        self.answers = []  # (inquiry id, response, the key's account)
        self._lock = threading.Lock()

    def add_inquiry(self, inquiry_id, schema, users=(), roles=(), status="pending"):
        self.inquiries[inquiry_id] = {
            "id": inquiry_id,
            "schema": schema,
            "users": list(users),
            "roles": list(roles),
            "route": "#qa-ops",
            "ttl": 60,
            "status": status,
        }

    def route(self, method, path, query, headers, body):
        self.requests.append((method, path))
        if self.auth_token and headers.get("X-Auth-Token") is not None:
            if headers.get("X-Auth-Token") != self.auth_token:
                return _fault(401, "Unauthorized - Token not found.")
        elif headers.get("St2-Api-Key") != self.api_key:
            return _fault(401, "Unauthorized - ApiKey with key_hash=... not found.")
        if method == "GET" and path == "/v1/user":
            return json_response(200, {"username": self.key_user, "rbac": {"enabled": self.rbac}})
        if method == "GET" and path == "/v1/rbac/role_assignments":
            user = (query.get("user") or [""])[0]
            roles = self.role_assignments.get(user, [])
            return json_response(200, [{"user": user, "role": role} for role in roles])
        if path.startswith(PREFIX):
            inquiry_id = path[len(PREFIX) :]
            if method == "GET":
                return self._get(inquiry_id)
            if method == "PUT":
                return self._put(inquiry_id, json.loads(body.decode("utf-8")))
        return _fault(404, "The resource could not be found.")

    def _get(self, inquiry_id):
        refused, inquiry = self._pending(inquiry_id)
        if refused:
            return refused
        return json_response(200, {k: v for k, v in inquiry.items() if k != "status"})

    def _put(self, inquiry_id, body):
        with self._lock:
            refused, inquiry = self._pending(inquiry_id)
            if refused:
                return refused
            if inquiry["users"] and self.key_user not in inquiry["users"]:
                return _fault(
                    403,
                    'User "%s" does not have permission to respond to inquiry "%s".'
                    % (self.key_user, inquiry_id),
                )
            inquiry["status"] = "succeeded"
            self.answers.append((inquiry_id, body["response"], self.key_user))
        return json_response(200, {"id": inquiry_id, "response": body["response"]})

    def _pending(self, inquiry_id):
        inquiry = self.inquiries.get(inquiry_id)
        if inquiry is None:
            return _fault(404, 'Inquiry "%s" is not found.' % inquiry_id), None
        if inquiry["status"] != "pending":
            return _fault(400, 'Inquiry "%s" has already been responded to.' % inquiry_id), None
        return None, inquiry


def _fault(status, message):
    return json_response(status, {"faultstring": message})
