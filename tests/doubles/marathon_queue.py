"""A Marathon double for the launch queue only: GET /v2/queue (Basic auth when credentials are
set: 401 with Jetty's `WWW-Authenticate: basic realm="Mesosphere Marathon"`, as Marathon's
HttpModule sets it up), built from ../shared/payloads/marathon/rest/queue_get.json.

The full Marathon double (deployments, the event stream) lives with the Marathon back end; the
capacity sensor needs only the queue, so this stays small.
"""

import base64
import copy
import threading

from tests.doubles.loopback_http import LoopbackHttpDouble, json_response
from tests.doubles.payloads import load_json


class MarathonQueueDouble(LoopbackHttpDouble):
    def __init__(self, credentials=None):
        super(MarathonQueueDouble, self).__init__()
        self._lock = threading.Lock()
        self._credentials = credentials
        self._recorded_entry = load_json("marathon", "rest", "queue_get.json")["queue"][0]
        self.queue = []

    def route(self, method, path, query, headers, body):
        with self._lock:
            self.requests.append((method, path))
            if self._credentials and not self._authorized(headers.get("Authorization")):
                return (
                    401,
                    {
                        "WWW-Authenticate": 'basic realm="Mesosphere Marathon"',
                        "Content-Type": "text/html;charset=iso-8859-1",
                    },
                    b"<html><body><h2>HTTP ERROR 401</h2></body></html>",
                )
            if method == "GET" and path == "/v2/queue":
                return json_response(200, {"queue": self.queue})
        return json_response(404, {"message": "Not Found"})

    def _authorized(self, header):
        expected = "Basic " + base64.b64encode(self._credentials.encode()).decode()
        return header == expected

    # Test controls

    def queue_app(self, app_id, since, count=1, overdue=True, declined=None, labels=None):
        """Queue app_id waiting since `since` (ISO), shaped like the recorded entry; declined:
        {reason: offers declined} for rejectSummaryLastOffers (others 0)."""
        entry = copy.deepcopy(self._recorded_entry)
        entry["count"], entry["since"] = count, since
        entry["delay"] = {"timeLeftSeconds": 0 if overdue else 30, "overdue": overdue}
        entry["app"]["id"] = app_id
        entry["app"]["labels"] = dict(labels or {})
        if declined is not None:
            for step in entry["processedOffersSummary"]["rejectSummaryLastOffers"]:
                step["declined"] = declined.get(step["reason"], 0)
        with self._lock:
            self.queue = [item for item in self.queue if item["app"]["id"] != app_id] + [entry]
        return entry

    def queue_recorded(self):
        """The recorded /v2/queue answer as it is."""
        with self._lock:
            self.queue = [copy.deepcopy(self._recorded_entry)]

    def launched(self, app_id):
        with self._lock:
            self.queue = [item for item in self.queue if item["app"]["id"] != app_id]
