"""Log discipline for a sensor that retries for ever: a failing Marathon is one line (again only
when the error changes) and its recovery one more; a malformed event is logged once per kind and
counted after that. A sensor's log is read by people: it must say what is wrong and how to fix
it, and not bury that line under a thousand copies."""
import threading


class ProblemLog(object):
    """failed(source, line) logs LINE unless SOURCE failed the same way last time;
    succeeded(source) logs one line when SOURCE had been failing."""

    def __init__(self, logger):
        self._logger = logger
        self._failing = {}   # source -> (line, attempts)
        self._lock = threading.Lock()

    def failed(self, source, line):
        with self._lock:
            previous, attempts = self._failing.get(source, (None, 0))
            self._failing[source] = (line, attempts + 1)
        if line != previous:
            self._logger.error("%s (retrying with back-off; logged again only if the error "
                               "changes)" % line)

    def succeeded(self, source, what):
        with self._lock:
            previous = self._failing.pop(source, None)
        if previous is not None:
            self._logger.info("%s works again after %d failed attempt(s)" % (what, previous[1]))

    def is_failing(self, source):
        with self._lock:
            return source in self._failing


class MalformedEvents(object):
    """skip(source, kind, detail): counted by kind; the first of each kind is logged."""

    def __init__(self, logger):
        self._logger = logger
        self.counts = {}
        self._lock = threading.Lock()

    def skip(self, source, kind, detail):
        with self._lock:
            count = self.counts.get(kind, 0) + 1
            self.counts[kind] = count
        if count == 1:
            self._logger.warning("%s: skipped a malformed event (%s): %s; further ones of this "
                                 "kind are counted, not logged" % (source, kind, detail))

    def total(self):
        with self._lock:
            return sum(self.counts.values())
