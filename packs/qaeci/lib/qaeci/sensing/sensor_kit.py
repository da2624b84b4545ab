"""What the pack's cluster sensors share around their watches: the clusters and the `sensors`
settings read from the raw pack config (each problem one logged line), a qaeci trigger
dispatcher, and one thread per watch until cleanup. Each sensor still subclasses StackStorm's
Sensor or PollingSensor itself and says which watches it builds."""

import collections
import threading

from qaeci import triggers
from qaeci.cluster_config import read_clusters, sensor_settings
from qaeci.errors import ConfigError

SensorConfig = collections.namedtuple("SensorConfig", "clusters settings problems")


def read_sensor_config(config, logger, sensor_name):
    """SensorConfig of the pack config; settings is None (and logged) when the `sensors` section
    is bad, and the sensor then idles: guessing a timeout could hide the mistake."""
    clusters, problems = read_clusters(config)
    for line in problems:
        logger.error("pack config: %s" % line)
    try:
        settings = sensor_settings(config)
    except ConfigError as error:
        logger.error("pack config: %s; the %s idles until it is fixed" % (error, sensor_name))
        settings = None
    return SensorConfig(clusters, settings, problems)


def trigger_dispatcher(sensor_service):
    """dispatch(name, payload) of a qaeci trigger by its short name."""

    def dispatch(name, payload):
        sensor_service.dispatch(trigger=triggers.trigger_ref(name), payload=payload)

    return dispatch


class WatchThreads(object):
    """run() follows every watch in a daemon thread of its own (watch.run) until stop()."""

    JOIN_SECONDS = 10

    def __init__(self, thread_name):
        self._thread_name = thread_name  # watch -> the thread's name
        self._stopped = threading.Event()

    def run(self, watches):
        threads = [
            threading.Thread(target=watch.run, name=self._thread_name(watch), daemon=True)
            for watch in watches
        ]
        for thread in threads:
            thread.start()
        self._stopped.wait()
        for thread in threads:
            thread.join(self.JOIN_SECONDS)

    def stop(self, watches):
        for watch in watches:
            watch.stop()
        self._stopped.set()
