"""Server-sent events as Marathon's `/v2/events` writes them, parsed from raw bytes.

Marathon (Jetty's EventSourceServlet) writes `event: TYPE` and `data: JSON` lines ending in CRLF,
a blank line after each event, and a bare CRLF as its heartbeat every 10 s. The parser follows
the SSE rules that matter for that stream: lines end in LF or CRLF, `data:` lines of one event
are joined with LF, one space after the colon is dropped, comments (`:`), `id:` and `retry:` are
ignored, and a blank line ends an event (a heartbeat ends nothing, as no data came before it).

It stays in bytes: Marathon's bus drops a consumer that falls behind, so the reader does one
split per chunk and one comparison per line, and the JSON is decoded later (json.loads takes
bytes). A lone CR as a line ending (allowed by the SSE spec, never written by Jetty) is not
recognised.
"""

DEFAULT_EVENT = b"message"


class SseParser(object):
    """feed(chunk) -> [(event type, data)], both bytes, for every event the chunk completes."""

    def __init__(self):
        self._partial = b""  # the start of a line whose end has not arrived yet
        self._event = b""
        self._data = []

    def feed(self, chunk):
        if self._partial:
            chunk = self._partial + chunk
        lines = chunk.split(b"\n")
        self._partial = lines.pop()
        events = []
        data = self._data
        for line in lines:
            if line[-1:] == b"\r":
                line = line[:-1]
            if not line:
                if data:
                    events.append(
                        (
                            self._event or DEFAULT_EVENT,
                            data[0] if len(data) == 1 else b"\n".join(data),
                        )
                    )
                    data = self._data = []
                self._event = b""
            elif line[:5] == b"data:":
                data.append(line[6:] if line[5:6] == b" " else line[5:])
            elif line[:6] == b"event:":
                self._event = line[7:] if line[6:7] == b" " else line[6:]
        return events

    @property
    def pending(self):
        """Bytes of an event begun but not finished (what a cut stream loses)."""
        return bool(self._partial or self._data)
