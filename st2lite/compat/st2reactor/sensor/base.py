"""`from st2reactor.sensor.base import Sensor, PollingSensor`, as on StackStorm: the same
constructors, attributes and abstract methods, so pack sensors run unchanged."""

import abc
import time

__all__ = ["BaseSensor", "Sensor", "PollingSensor"]


class BaseSensor(abc.ABC):
    """Base of every sensor; not instantiated directly."""

    def __init__(self, sensor_service, config=None):
        self._sensor_service = sensor_service  # the old name, still used by many packs
        self.sensor_service = sensor_service
        self._config = config or {}
        self.config = self._config

    @abc.abstractmethod
    def setup(self):
        """Runs once before run()."""

    @abc.abstractmethod
    def run(self):
        """Runs the sensor."""

    @abc.abstractmethod
    def cleanup(self):
        """Runs when the sensor stops."""

    @abc.abstractmethod
    def add_trigger(self, trigger):
        """A trigger of one of this sensor's types was created."""

    @abc.abstractmethod
    def update_trigger(self, trigger):
        """A trigger of one of this sensor's types was updated."""

    @abc.abstractmethod
    def remove_trigger(self, trigger):
        """A trigger of one of this sensor's types was deleted."""


class Sensor(BaseSensor):
    """A passive sensor: run() waits for events itself."""

    @abc.abstractmethod
    def run(self):
        """Runs the sensor."""


class PollingSensor(BaseSensor):
    """An active sensor: poll() is called every poll interval (seconds)."""

    def __init__(self, sensor_service, config=None, poll_interval=5):
        super(PollingSensor, self).__init__(sensor_service=sensor_service, config=config)
        self._poll_interval = poll_interval

    @abc.abstractmethod
    def poll(self):
        """Polls the outside system once."""

    def run(self):
        while True:
            self.poll()
            time.sleep(self._poll_interval)

    # st2lite's sensor container drives this loop itself, so that it can stop it promptly.
    run.st2lite_poll_loop = True

    def get_poll_interval(self):
        return self._poll_interval

    def set_poll_interval(self, poll_interval):
        self._poll_interval = poll_interval
