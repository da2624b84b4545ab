"""Allocation ratios of a Mesos cluster and the level each resource is at, with hysteresis.

Ratios come from the leading master's /metrics/snapshot: `master/<r>_used` is what is allocated
to tasks and `master/<r>_total` what the agents offer (Mesos docs/monitoring.md). A level changes
only when a new one holds for N polls in a row; leaving high (or low) needs the ratio to come
back past the threshold by the hysteresis margin, so a ratio wobbling around a threshold does not
fire trigger after trigger.
"""

import collections

RESOURCES = ("cpus", "mem", "disk")

Allocation = collections.namedtuple("Allocation", "resource used total ratio")


class NotLeader(Exception):
    """The master answering is not the elected leader: its allocation figures are all zero."""


def allocations(metrics):
    """{resource: Allocation} from a /metrics/snapshot document; resources with no total are
    left out (a cluster without disks declares none). KeyError/ValueError if malformed."""
    if float(metrics.get("master/elected", 1.0)) != 1.0:
        raise NotLeader()
    found = {}
    for resource in RESOURCES:
        total = metrics.get("master/%s_total" % resource)
        if total is None or float(total) <= 0:
            continue
        used = float(metrics["master/%s_used" % resource])
        found[resource] = Allocation(resource, used, float(total), used / float(total))
    return found


class LevelTracker(object):
    """The settled level of one resource; feed() returns (new, previous) when it changes."""

    def __init__(self, high, low, hysteresis, polls, level="normal"):
        self.high, self.low, self.margin, self.polls = high, low, hysteresis, polls
        self.level = level
        self._candidate, self._held = None, 0

    def classify(self, ratio):
        """The level `ratio` points to from the current level (thresholds with hysteresis)."""
        if ratio >= self.high:
            return "high"
        if ratio <= self.low:
            return "low"
        if self.level == "high" and ratio > self.high - self.margin:
            return "high"
        if self.level == "low" and ratio < self.low + self.margin:
            return "low"
        return "normal"

    def feed(self, ratio):
        wanted = self.classify(ratio)
        if wanted == self.level:
            self._candidate, self._held = None, 0
            return None
        if wanted == self._candidate:
            self._held += 1
        else:
            self._candidate, self._held = wanted, 1
        if self._held < self.polls:
            return None
        previous, self.level = self.level, wanted
        self._candidate, self._held = None, 0
        return wanted, previous
