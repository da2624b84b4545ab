"""Watches every configured cluster's Mesos master and Marathon launch queue (pack config
`clusters`): qaeci.capacity, qaeci.agent_change and qaeci.launch_stalled. Idles quietly when no
cluster names a mesos_url or marathon_url."""

from qaeci.sensing.mesos_watch import ClusterCapacityWatch
from qaeci.sensing.problems import EndpointProblems, MalformedEvents
from qaeci.sensing.sensor_kit import read_sensor_config, trigger_dispatcher
from qaeci.sensing.state_store import StateStore
from st2reactor.sensor.base import PollingSensor


class MesosCapacitySensor(PollingSensor):
    def __init__(self, sensor_service, config=None, poll_interval=30):
        super(MesosCapacitySensor, self).__init__(
            sensor_service=sensor_service, config=config, poll_interval=poll_interval
        )
        self.watches = []
        self.malformed = None

    def setup(self):
        self._logger = self.sensor_service.get_logger(__name__)
        self.malformed = MalformedEvents(self._logger)
        found = read_sensor_config(self.config, self._logger, "capacity sensor")
        if found.settings is None:
            return
        store = StateStore(self.sensor_service, self._logger)
        problems = EndpointProblems(self._logger)
        dispatch = trigger_dispatcher(self.sensor_service)
        self.watches = [
            ClusterCapacityWatch(cluster, found.settings, dispatch, store, problems, self.malformed)
            for cluster in found.clusters
            if cluster.mesos_url or cluster.marathon_url
        ]
        if not self.watches:
            self._logger.info(
                "no cluster in the pack config names a mesos_url or marathon_url; "
                "the capacity sensor idles"
            )

    def poll(self):
        for watch in self.watches:
            watch.poll()

    def cleanup(self):
        pass

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
