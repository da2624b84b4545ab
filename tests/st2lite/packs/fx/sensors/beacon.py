from st2reactor.sensor.base import PollingSensor


class BeaconSensor(PollingSensor):
    def setup(self):
        self.sent = 0

    def poll(self):
        if self.sent >= 2:
            return
        self.sent += 1
        self.sensor_service.set_value("sent", str(self.sent))
        self.sensor_service.dispatch(
            trigger="fx.event",
            payload={"kind": "hello", "name": "beacon%d" % self.sent, "times": 1},
        )

    def cleanup(self):
        self.sensor_service.set_value("cleaned", "yes")

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
