"""A Mesos agent double: GET /files/read over the sandboxes it holds, answered as the recorded
../shared/payloads/mesos/files_read_*.json (apache/mesos src/files/files.cpp):

- `path` and `offset` are required (400 otherwise); an unknown path is 404;
- offset=-1 is the length probe: {"data": "", "offset": <file size>};
- otherwise at most `length` bytes from `offset` (without length: to the end of the file),
  {"data": ..., "offset": <offset>}; an offset past the end gives empty data.

Sandbox files are put by tests under the virtual path the agent serves:
/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/latest/<file>.
"""
import threading

from tests.doubles.loopback_http import LoopbackHttpDouble, json_response
from tests.doubles.payloads import load_json

PROBE = load_json("mesos", "files_read_length_probe.json")
READ = load_json("mesos", "files_read_response.json")


class MesosAgentDouble(LoopbackHttpDouble):
    def __init__(self):
        super(MesosAgentDouble, self).__init__()
        self._lock = threading.Lock()
        self.files = {}

    def put(self, path, text):
        with self._lock:
            self.files[path] = text.encode("utf-8")

    def route(self, method, path, query, headers, body):
        with self._lock:
            self.requests.append((method, path))
            if method != "GET" or path != "/files/read":
                return 404, {}, b""
            if "path" not in query or "offset" not in query:
                missing = "path" if "path" not in query else "offset"
                return 400, {}, ("Expecting '%s=value' in query.\n" % missing).encode()
            content = self.files.get(query["path"][0])
            if content is None:
                return 404, {}, b""
            return self._read(content, query)

    @staticmethod
    def _read(content, query):
        try:
            offset = int(query["offset"][0])
            length = int(query["length"][0]) if "length" in query else None
        except ValueError:
            return 400, {}, b"Failed to parse offset or length\n"
        if offset == -1:
            return json_response(200, dict(PROBE, offset=len(content)))
        if offset < 0 or (length is not None and length < 0):
            return 400, {}, b"Negative offset or length provided\n"
        end = len(content) if length is None else offset + length
        data = content[offset:end].decode("utf-8", "replace")
        return json_response(200, dict(READ, data=data, offset=offset))
