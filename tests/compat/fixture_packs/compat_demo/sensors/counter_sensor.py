from st2reactor.sensor.base import PollingSensor

TRIGGER = "compat_demo.counted"


class CounterSensor(PollingSensor):
    def setup(self):
        self._logger = self.sensor_service.get_logger(__name__)

    def poll(self):
        count = int(self.sensor_service.get_value("count") or 0) + 1
        self.sensor_service.set_value("count", str(count))
        self._logger.info("counted %s", count)
        step = self.config.get("step_tag", "poll")
        self.sensor_service.dispatch(TRIGGER, {"count": count}, trace_tag="%s-%d" % (step, count))

    def cleanup(self):
        pass

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
