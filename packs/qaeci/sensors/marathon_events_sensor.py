"""Follows `/v2/events` of every Marathon the pack config names (clusters.*.marathon_url), one
thread per Marathon: qaeci.task_status, qaeci.deployment and qaeci.app_health, reconciled after
every (re)connect. Idles quietly when no Marathon is named."""

from qaeci.marathon_stream import MarathonStreamWatch
from qaeci.sensing.problems import EndpointProblems, MalformedEvents
from qaeci.sensing.sensor_kit import WatchThreads, read_sensor_config, trigger_dispatcher
from st2reactor.sensor.base import Sensor


class MarathonEventsSensor(Sensor):
    def __init__(self, sensor_service, config=None):
        super(MarathonEventsSensor, self).__init__(sensor_service=sensor_service, config=config)
        self.watches = []
        self.malformed = None
        self._threads = WatchThreads(lambda watch: "marathon-watch-%s" % watch.name)

    def setup(self):
        self._logger = self.sensor_service.get_logger(__name__)
        self.malformed = MalformedEvents(self._logger)
        found = read_sensor_config(self.config, self._logger, "Marathon event sensor")
        if found.settings is None:
            return
        problems = EndpointProblems(self._logger)
        dispatch = trigger_dispatcher(self.sensor_service)
        self.watches = [
            MarathonStreamWatch(
                cluster,
                found.settings,
                dispatch,
                self.sensor_service,
                self._logger,
                problems,
                self.malformed,
            )
            for cluster in found.clusters
            if cluster.marathon_url
        ]
        if not self.watches and not found.problems:
            self._logger.info(
                "no cluster in the pack config names a marathon_url; the Marathon "
                "event sensor idles"
            )

    def run(self):
        self._threads.run(self.watches)

    def cleanup(self):
        self._threads.stop(self.watches)

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
