"""Log discipline for sensors that retry forever: a failing endpoint is logged once (and again only
when its error changes), its recovery once; a malformed event is logged once per kind and
counted after that."""

import threading


class EndpointProblems(object):
    """One line when an endpoint starts failing or fails differently, one when it recovers."""

    def __init__(self, logger):
        self._logger = logger
        self._failing = {}  # endpoint -> (last error line, failed attempts)
        self._lock = threading.Lock()

    def failed(self, endpoint, line):
        with self._lock:
            previous, attempts = self._failing.get(endpoint, (None, 0))
            self._failing[endpoint] = (line, attempts + 1)
        if line != previous:
            self._logger.error(
                "%s (retrying with back-off; logged again only if it changes)" % line
            )

    def succeeded(self, endpoint, what):
        with self._lock:
            previous = self._failing.pop(endpoint, None)
        if previous is not None:
            self._logger.info(
                "%s is answering again after %d failed attempt(s)" % (what, previous[1])
            )


class MalformedEvents(object):
    """Skipped input, counted per kind; the first of each kind is logged with its detail."""

    def __init__(self, logger):
        self._logger = logger
        self.counts = {}
        self._lock = threading.Lock()

    def skip(self, source, kind, detail):
        with self._lock:
            count = self.counts.get(kind, 0) + 1
            self.counts[kind] = count
        if count == 1:
            self._logger.warning(
                "%s: skipped a malformed event (%s): %s; further ones of this "
                "kind are counted, not logged" % (source, kind, detail)
            )

    def total(self):
        with self._lock:
            return sum(self.counts.values())
