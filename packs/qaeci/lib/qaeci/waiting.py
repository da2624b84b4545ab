"""Waiting for a record in the datastore: the steps of one run meet there, so a step that
needs another's outcome polls for it. Every poll is a datastore read (an API call on
StackStorm) and wakes a process, hence the pace: quick while things move, gentler while they
do not."""

import time

# No step ever polls more often than this: it bounds the number of polls of a wait.
SHORTEST_INTERVAL = 0.05


class Backoff(object):
    """Seconds until the next poll: FIRST at first and again after each change, then GROWTH
    times longer after each poll that saw no change, up to LONGEST."""

    def __init__(self, first, longest, growth=1.5):
        self.first = max(first, SHORTEST_INTERVAL)
        self.longest = max(longest, self.first)
        self.growth = growth
        self._next = self.first

    def after(self, changed=False):
        interval = self.first if changed else self._next
        self._next = min(self.longest, interval * self.growth)
        return interval


def wait_for(probe, deadline, pace, sleep=time.sleep):
    """PROBE's first value that is not None, polled until DEADLINE (time.monotonic()) passes;
    None then. pace() gives the seconds until the next poll (at least SHORTEST_INTERVAL)."""
    polls = int(max(0.0, deadline - time.monotonic()) / SHORTEST_INTERVAL) + 1
    for _ in range(polls + 1):
        value = probe()
        if value is not None:
            return value
        if time.monotonic() >= deadline:
            return None
        sleep(max(SHORTEST_INTERVAL, pace()))
    return None
