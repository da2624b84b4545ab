"""Turns the local back end's process state changes into qaeci.task_status,
qaeci.container_exit and qaeci.container_oom, the triggers the Marathon back end's sensors emit
too, so rules work on either back end.

supervisord's event listener (qaeci.backends.local_events) spools every change under the pack
config's work_dir; this sensor reads that spool from where it left off, so nothing is lost while
it is not running, and it carries on across supervisord restarts. It idles quietly while the
local back end has never run (no spool yet).
"""

import threading

from qaeci.backends.local_event_feed import LocalEventFeed
from qaeci.backends.local_event_spool import events_dir
from qaeci.config import PackConfig
from qaeci.errors import ConfigError
from qaeci.sensing.sensor_kit import trigger_dispatcher
from st2reactor.sensor.base import Sensor

POLL_SECONDS = 0.5


class LocalEventsSensor(Sensor):
    def __init__(self, sensor_service, config=None):
        super(LocalEventsSensor, self).__init__(sensor_service=sensor_service, config=config)
        self.feed = None
        self._stopping = threading.Event()
        self._last_problem = None

    def setup(self):
        self._logger = self.sensor_service.get_logger(__name__)
        try:
            work_dir = PackConfig(self.config).work_dir
        except ConfigError as error:
            self._logger.error(
                "pack config: %s; the local events sensor idles until it is fixed" % error
            )
            return
        self.feed = LocalEventFeed(
            events_dir(work_dir), trigger_dispatcher(self.sensor_service), self._logger
        )

    def run(self):
        while not self._stopping.is_set():
            self.poll()
            self._stopping.wait(POLL_SECONDS)

    def poll(self):
        """Dispatch what the spool holds that was not dispatched yet; how many triggers."""
        if self.feed is None:
            return 0
        try:
            sent = self.feed.poll()
        except (OSError, ValueError) as error:
            self._problem("reading the event spool failed: %s; retrying" % error)
            return 0
        self._last_problem = None
        return sent

    def _problem(self, text):
        if text != self._last_problem:  # a lasting problem is logged once, not every poll
            self._last_problem = text
            self._logger.warning(text)

    def cleanup(self):
        self._stopping.set()
        if self.feed is not None:
            self.feed.close()

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
