"""What scaling remembers in the datastore: every agent this pack added (from the pool or
OpenStack) with its state, and when the cluster last scaled. Scale in only ever touches agents
recorded here, and a node is recorded *before* it is asked for, so an error half way leaves no
machine or server that the records do not name.

Keys (global scope):
    qaeci.scaling.node.<cluster>.<name>   {name, source: pool|openstack, state, server_id,
                                           address, hostname, agent_id, added, detail}
    qaeci.scaling.last.<cluster>          {"scale_out": epoch, "scale_in": epoch}
Node states: requested -> booting -> active (agent registered) -> draining -> gone;
failed (the node never became an agent; detail says why and what was cleaned up).
"""

from qaeci.state import list_records, read_record, write_record

PREFIX = "qaeci.scaling."
REQUESTED, BOOTING, ACTIVE, DRAINING, FAILED = (
    "requested",
    "booting",
    "active",
    "draining",
    "failed",
)
LIVE_STATES = (REQUESTED, BOOTING, ACTIVE, DRAINING)


class ScalingRecords(object):
    def __init__(self, datastore, cluster):
        self.datastore = datastore
        self.cluster = cluster

    def _node_key(self, name):
        return "%snode.%s.%s" % (PREFIX, self.cluster, name)

    def save(self, node):
        write_record(self.datastore, self._node_key(node["name"]), node)
        return node

    def update(self, node, **changes):
        node.update(changes)
        return self.save(node)

    def forget(self, node):
        self.datastore.delete_value(self._node_key(node["name"]), local=False)

    def nodes(self, states=LIVE_STATES):
        """Recorded nodes in STATES (None: all), oldest first."""
        found = list_records(self.datastore, "%snode.%s." % (PREFIX, self.cluster)).values()
        return sorted(
            (node for node in found if states is None or node.get("state") in states),
            key=lambda node: (node.get("added") or 0, node["name"]),
        )

    def last(self, what):
        """Epoch of the last scale_out or scale_in (None: never)."""
        return (read_record(self.datastore, self._last_key()) or {}).get(what)

    def mark(self, what, epoch):
        record = read_record(self.datastore, self._last_key()) or {}
        record[what] = epoch
        write_record(self.datastore, self._last_key(), record)

    def _last_key(self):
        return "%slast.%s" % (PREFIX, self.cluster)
