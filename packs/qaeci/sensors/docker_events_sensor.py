"""Follows /events of every Docker daemon the pack config names (clusters.*.docker_hosts), one
thread per daemon: qaeci.container_oom, qaeci.container_exit and qaeci.app_health, with each
container mapped back to its Marathon app and Mesos task. Idles quietly when no daemon is named."""

from qaeci.sensing.docker_watch import DockerHostWatch
from qaeci.sensing.problems import EndpointProblems, MalformedEvents
from qaeci.sensing.sensor_kit import WatchThreads, read_sensor_config, trigger_dispatcher
from qaeci.sensing.state_store import StateStore
from st2reactor.sensor.base import Sensor


class DockerEventsSensor(Sensor):
    def __init__(self, sensor_service, config=None):
        super(DockerEventsSensor, self).__init__(sensor_service=sensor_service, config=config)
        self.watches = []
        self.malformed = None
        self._threads = WatchThreads(lambda watch: "docker-events %s" % watch)

    def setup(self):
        self._logger = self.sensor_service.get_logger(__name__)
        self.malformed = MalformedEvents(self._logger)
        found = read_sensor_config(self.config, self._logger, "Docker events sensor")
        if found.settings is None:
            return
        store = StateStore(self.sensor_service, self._logger)
        problems = EndpointProblems(self._logger)
        dispatch = trigger_dispatcher(self.sensor_service)
        self.watches = [
            DockerHostWatch(
                cluster.name, address, found.settings, dispatch, store, problems, self.malformed
            )
            for cluster in found.clusters
            for address in cluster.docker_hosts
        ]
        if not self.watches:
            self._logger.info(
                "no cluster in the pack config names docker_hosts; the Docker events sensor idles"
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
