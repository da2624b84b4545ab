"""Follows `/v2/events` of every Marathon the pack config names (clusters.*.marathon_url), one
thread per Marathon: qaeci.task_status, qaeci.deployment and qaeci.app_health, reconciled after
every (re)connect. Idles quietly when no Marathon is named."""
import threading

from st2reactor.sensor.base import Sensor

from qaeci import triggers
from qaeci.errors import ConfigError
from qaeci.marathon_stream import MarathonStreamWatch
from qaeci.marathon_stream_config import marathon_clusters, stream_settings
from qaeci.marathon_stream_log import MalformedEvents, ProblemLog


class MarathonEventsSensor(Sensor):
    def __init__(self, sensor_service, config=None):
        super(MarathonEventsSensor, self).__init__(sensor_service=sensor_service, config=config)
        self.watches = []
        self.malformed = None
        self._stopped = threading.Event()
        self._threads = []

    def setup(self):
        self._logger = self.sensor_service.get_logger(__name__)
        self.malformed = MalformedEvents(self._logger)
        clusters, problems = marathon_clusters(self.config)
        for line in problems:
            self._logger.error("pack config: %s" % line)
        try:
            settings = stream_settings(self.config)
        except ConfigError as error:
            self._logger.error("pack config: %s; the Marathon event sensor idles until it is "
                               "fixed" % error)
            return
        problem_log = ProblemLog(self._logger)
        self.watches = [MarathonStreamWatch(cluster, settings, self._dispatch,
                                            self.sensor_service, self._logger, problem_log,
                                            self.malformed)
                        for cluster in clusters]
        if not self.watches and not problems:
            self._logger.info("no cluster in the pack config names a marathon_url; the Marathon "
                              "event sensor idles")

    def run(self):
        self._threads = [threading.Thread(target=watch.run, name="marathon-watch-%s" % watch.name,
                                          daemon=True) for watch in self.watches]
        for thread in self._threads:
            thread.start()
        self._stopped.wait()
        for thread in self._threads:
            thread.join(10)

    def cleanup(self):
        for watch in self.watches:
            watch.stop()
        self._stopped.set()

    def _dispatch(self, name, payload):
        self.sensor_service.dispatch(trigger=triggers.trigger_ref(name), payload=payload)

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
