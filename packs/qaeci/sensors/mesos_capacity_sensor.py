"""Watches every configured cluster's Mesos master and Marathon launch queue (pack config
`clusters`): qaeci.capacity, qaeci.agent_change and qaeci.launch_stalled. Idles quietly when no
cluster names a mesos_url or marathon_url."""
from st2reactor.sensor.base import PollingSensor

from qaeci import triggers
from qaeci.cluster_config import read_clusters, sensor_settings
from qaeci.errors import ConfigError
from qaeci.sensing.mesos_watch import ClusterCapacityWatch
from qaeci.sensing.problems import EndpointProblems, MalformedEvents
from qaeci.sensing.state_store import StateStore


class MesosCapacitySensor(PollingSensor):
    def __init__(self, sensor_service, config=None, poll_interval=30):
        super(MesosCapacitySensor, self).__init__(sensor_service=sensor_service, config=config,
                                                  poll_interval=poll_interval)
        self.watches = []
        self.malformed = None

    def setup(self):
        self._logger = self.sensor_service.get_logger(__name__)
        self.malformed = MalformedEvents(self._logger)
        clusters, problems = read_clusters(self.config)
        for line in problems:
            self._logger.error("pack config: %s" % line)
        try:
            settings = sensor_settings(self.config)
        except ConfigError as error:
            self._logger.error("pack config: %s; the capacity sensor idles until it is fixed"
                               % error)
            return
        store = StateStore(self.sensor_service, self._logger)
        endpoint_problems = EndpointProblems(self._logger)
        self.watches = [ClusterCapacityWatch(cluster, settings, self._dispatch, store,
                                             endpoint_problems, self.malformed)
                        for cluster in clusters if cluster.mesos_url or cluster.marathon_url]
        if not self.watches:
            self._logger.info("no cluster in the pack config names a mesos_url or marathon_url; "
                              "the capacity sensor idles")

    def poll(self):
        for watch in self.watches:
            watch.poll()

    def _dispatch(self, name, payload):
        self.sensor_service.dispatch(trigger=triggers.trigger_ref(name), payload=payload)

    def cleanup(self):
        pass

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
