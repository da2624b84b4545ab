"""`serve` times inquiries out as their ttl passes, as StackStorm's garbage collector does with
purge_inquiries on; it looks every EXPIRY_CHECK_SECONDS (a ttl counts whole minutes)."""

import logging
import threading

EXPIRY_CHECK_SECONDS = 30
_LOG = logging.getLogger(__name__)


class ExpiryWatch(object):
    def __init__(self, service, interval=EXPIRY_CHECK_SECONDS):
        self.service = service
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="inquiry-expiry")

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while True:
            try:
                for inquiry_id in self.service.expire_overdue():
                    _LOG.info("inquiry %s timed out", inquiry_id)
            except Exception:  # a database hiccup must not end the watch
                _LOG.exception("checking inquiries for expiry failed")
            if self._stop.wait(self.interval):
                return
