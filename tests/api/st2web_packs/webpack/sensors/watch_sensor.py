import threading

from st2reactor.sensor.base import Sensor


class WatchSensor(Sensor):
    def setup(self):
        self._stopped = threading.Event()

    def run(self):
        self._stopped.wait()

    def cleanup(self):
        self._stopped.set()

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
