"""Trigger sources of st2lite: the sensor container and service, and interval timers.

SensorContainer(sensors, dispatch, datastore_factory, logger_factory).start() / .stop()
SensorService(pack, class_name, datastore, dispatch, logger)
TimerScheduler(rules, dispatch).start() / .stop()
"""

from st2lite.rules.timers import TimerError, TimerScheduler
from st2lite.sensors.container import SensorContainer
from st2lite.sensors.loader import SensorLoadError
from st2lite.sensors.service import SensorService

__all__ = ["SensorContainer", "SensorService", "SensorLoadError", "TimerScheduler", "TimerError"]
