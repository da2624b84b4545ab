"""Reconnect delays: the first after `first` seconds, doubling up to `maximum`, each with jitter
(a random 50-100 % of the step) so that many sensors do not retry in step after an outage."""

import random


class Backoff(object):
    def __init__(self, first=1.0, maximum=60.0, rng=None):
        self.first = max(float(first), 0.001)
        self.maximum = max(float(maximum), self.first)
        self._random = rng or random.random
        self.failures = 0

    def next_delay(self):
        """Seconds to wait before the next attempt; counts one more failure."""
        step = min(self.first * (2 ** min(self.failures, 30)), self.maximum)
        self.failures += 1
        return step * (0.5 + 0.5 * self._random())

    def reset(self):
        self.failures = 0
