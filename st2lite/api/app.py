"""The API application: routes a request to its handler after checking its credentials."""

import threading

from st2lite import announcements
from st2lite.api import auth, htpasswd, webui
from st2lite.api.cors import CorsPolicy
from st2lite.api.events import EventBus, ExecutionEvents
from st2lite.api.http import Response
from st2lite.api.resources import register_all
from st2lite.api.routing import Router, split_path
from st2lite.api.stream import execution_output_response, stream_response
from st2lite.store.credentials import CredentialStore

HEARTBEAT_SECONDS = 25  # StackStorm's stream.heartbeat


class ApiApp(object):
    def __init__(
        self, runtime, auth_enabled=True, heartbeat_seconds=HEARTBEAT_SECONDS, allow_origins=()
    ):
        self.runtime = runtime
        self.cors = CorsPolicy(allow_origins)
        self.auth_enabled = auth_enabled
        self.heartbeat_seconds = heartbeat_seconds
        self.credentials = CredentialStore(runtime.db)
        self.htpasswd_path = htpasswd.path_in(runtime.state_dir)
        self.bus = EventBus()
        self.execution_events = ExecutionEvents(runtime, self.bus)
        self.execution_events.install()
        self.stopping = threading.Event()
        announcements.add_listener(self._announced)
        self.router = Router()
        register_all(self.router)
        for service in ("stream", "api"):  # nginx sends /api/v1/stream to the stream service
            self.router.add(service, "GET", "/stream", stream_response)
        self.router.add(
            "stream", "GET", "/executions/{execution_id}/output", execution_output_response
        )

    def _announced(self, announcement):
        """Wakes the streams that want it: they read what is new from the store."""
        self.bus.publish(announcements.event_name(announcement), lambda: announcement)

    def close(self):
        announcements.remove_listener(self._announced)

    def handle(self, request, listener_service):
        if request.method == "OPTIONS":
            return Response(200)  # a browser's preflight: CORS headers only, no credentials
        page = webui.page_response(request)  # the history page's files, before the API's paths
        if page is not None:
            return page
        service, path = split_path(request.path, listener_service)
        request.service = service
        route, parameters = self.router.resolve(service, request.method, path)
        if route.authenticated:
            request.identity = self._identity(request)
        response = route.handler(self, request, **parameters)
        identity = request.identity
        if (
            identity is not None
            and identity.method == auth.TOKEN_METHOD
            and identity.location != "cookie"
        ):
            # st2web's EventSource can send nothing but this cookie
            response.headers.append(auth.cookie_header(identity.token, identity.expiry))
        return response

    def _identity(self, request):
        if not self.auth_enabled:
            return auth.Identity(auth.ANONYMOUS_USER, auth.NO_AUTH_METHOD)
        return auth.authenticate(request, self.credentials)
