"""Follows /events of every Docker daemon the pack config names (clusters.*.docker_hosts), one
thread per daemon: qaeci.container_oom, qaeci.container_exit and qaeci.app_health, with each
container mapped back to its Marathon app and Mesos task. Idles quietly when no daemon is named."""
import threading

from st2reactor.sensor.base import Sensor

from qaeci import triggers
from qaeci.cluster_config import read_clusters, sensor_settings
from qaeci.errors import ConfigError
from qaeci.sensing.docker_watch import DockerHostWatch
from qaeci.sensing.problems import EndpointProblems, MalformedEvents
from qaeci.sensing.state_store import StateStore


class DockerEventsSensor(Sensor):
    def __init__(self, sensor_service, config=None):
        super(DockerEventsSensor, self).__init__(sensor_service=sensor_service, config=config)
        self.watches = []
        self.malformed = None
        self._stopped = threading.Event()
        self._threads = []

    def setup(self):
        self._logger = self.sensor_service.get_logger(__name__)
        self.malformed = MalformedEvents(self._logger)
        clusters, problems = read_clusters(self.config)
        for line in problems:
            self._logger.error("pack config: %s" % line)
        try:
            settings = sensor_settings(self.config)
        except ConfigError as error:
            self._logger.error("pack config: %s; the Docker events sensor idles until it is fixed"
                               % error)
            return
        store = StateStore(self.sensor_service, self._logger)
        endpoint_problems = EndpointProblems(self._logger)
        self.watches = [DockerHostWatch(cluster.name, address, settings, self._dispatch, store,
                                        endpoint_problems, self.malformed)
                        for cluster in clusters for address in cluster.docker_hosts]
        if not self.watches:
            self._logger.info("no cluster in the pack config names docker_hosts; the Docker "
                              "events sensor idles")

    def run(self):
        self._threads = [threading.Thread(target=watch.run, name="docker-events %s" % watch,
                                          daemon=True) for watch in self.watches]
        for thread in self._threads:
            thread.start()
        self._stopped.wait()
        for thread in self._threads:
            thread.join(10)

    def _dispatch(self, name, payload):
        self.sensor_service.dispatch(trigger=triggers.trigger_ref(name), payload=payload)

    def cleanup(self):
        for watch in self.watches:
            watch.stop()
        self._stopped.set()

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
