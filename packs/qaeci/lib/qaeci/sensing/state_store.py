"""A sensor's memory across restarts, kept as JSON in its own datastore keys (StackStorm's
sensor_service.get_value/set_value, local to the sensor), so a restarted sensor neither repeats
triggers it already sent nor misses changes that happened while it was down."""

import json


class StateStore(object):
    def __init__(self, sensor_service, logger):
        self._service = sensor_service
        self._logger = logger
        self._warned = False

    def load(self, key, default):
        try:
            text = self._service.get_value(key)
            return json.loads(text) if text else default
        except Exception as error:  # a broken datastore must not stop the sensor
            self._warn("reading %s: %s" % (key, error))
            return default

    def save(self, key, value):
        try:
            self._service.set_value(key, json.dumps(value, sort_keys=True))
        except Exception as error:
            self._warn("writing %s: %s" % (key, error))

    def _warn(self, what):
        if not self._warned:
            self._warned = True
            self._logger.warning(
                "datastore unavailable (%s); state is kept in memory only, so a "
                "restart may repeat or miss a trigger" % what
            )
