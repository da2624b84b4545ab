"""When a polled endpoint may be asked again: right away while it answers, after a growing,
jittered delay while it fails (so an unreachable master is not hammered every poll)."""

import time

from qaeci.sensing.backoff import Backoff


class RetrySchedule(object):
    def __init__(self, first, maximum, clock=time.monotonic):
        self._backoff = Backoff(first, maximum)
        self._clock = clock
        self._not_before = 0.0

    def due(self):
        return self._clock() >= self._not_before

    def failed(self):
        self._not_before = self._clock() + self._backoff.next_delay()

    def succeeded(self):
        self._backoff.reset()
        self._not_before = 0.0
