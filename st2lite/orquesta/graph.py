"""The workflow graph orquesta composes from a spec: task nodes (with join barriers and retry
specs), transitions keyed per (source, destination), start tasks, cycles and split points."""


class Transition(object):
    __slots__ = ("source", "target", "key", "criteria", "ref")

    def __init__(self, source, target, key, criteria, ref):
        self.source = source
        self.target = target
        self.key = key
        self.criteria = criteria
        self.ref = ref

    @property
    def id(self):
        """How the conductor names this transition in the source task's `next` record."""
        return "%s__t%d" % (self.target, self.key)


class WorkflowGraph(object):
    def __init__(self, spec):
        self.spec = spec
        self.nodes = {}
        self.outbound = {}
        self.inbound = {}
        self._compose()

    def _compose(self):
        pending = list(self.spec.start_tasks())
        while pending:
            name = pending.pop(0)
            if name in self.nodes:
                continue
            self.nodes[name] = self._node(name)
            self.outbound.setdefault(name, [])
            self.inbound.setdefault(name, [])
            for target, condition, index in self.spec.next_tasks(name):
                if target == "retry":
                    self.nodes[name]["retry"] = {
                        "when": condition or "<% completed() %>",
                        "count": 3,
                        "delay": None,
                    }
                    continue
                key = sum(1 for t in self.outbound[name] if t.target == target)
                transition = Transition(name, target, key, [condition] if condition else [], index)
                self.outbound[name].append(transition)
                self.inbound.setdefault(target, []).append(transition)
                pending.append(target)
        for name in self.outbound:
            self.outbound[name].sort(key=lambda t: t.target)
        for name in self.inbound:
            self.inbound[name].sort(key=lambda t: t.source)

    def _node(self, name):
        node = {"barrier": None, "retry": None}
        task = self.spec.tasks.get(name)
        if task is None:
            return node
        if task.join is not None:
            node["barrier"] = "*" if task.join == "all" else task.join
        if task.retry:
            node["retry"] = {
                "when": task.retry.get("when"),
                "count": task.retry.get("count"),
                "delay": task.retry.get("delay"),
            }
        return node

    @property
    def roots(self):
        return sorted(n for n in self.nodes if not self.inbound.get(n))

    def has_task(self, name):
        return name in self.nodes

    def next_transitions(self, name):
        return self.outbound.get(name, [])

    def prev_transitions(self, name):
        return self.inbound.get(name, [])

    def barrier(self, name):
        return self.nodes[name]["barrier"] if name in self.nodes else None

    def has_barrier(self, name):
        """A join task, `join: 0` included (which waits for one inbound branch, as `join: 1`)."""
        return self.barrier(name) is not None

    def barriers(self):
        return [n for n, node in self.nodes.items() if node["barrier"]]

    def retry_spec(self, name):
        return self.nodes[name]["retry"] if name in self.nodes else None
