"""The record of one workflow run, shaped as orquesta's WorkflowState: contexts, routes, the sequence
of task state entries, the staged tasks and the workflow status."""

from st2lite.orquesta import statuses


def entry_key(task_id, route):
    return "%s__r%s" % (task_id, route)


class WorkflowState(object):
    def __init__(self):
        self.status = statuses.UNSET
        self.contexts = []
        self.routes = []
        self.sequence = []
        self.tasks = {}  # entry_key -> index of the latest entry in `sequence`
        self.staged = []

    def to_dict(self):
        return {
            "status": self.status,
            "contexts": self.contexts,
            "routes": self.routes,
            "sequence": self.sequence,
            "staged": self.staged,
        }

    @classmethod
    def from_dict(cls, data):
        state = cls()
        state.status = data["status"]
        state.contexts = data["contexts"]
        state.routes = data["routes"]
        state.staged = data["staged"]
        for entry in data["sequence"]:
            state.add_task_entry(entry)
        return state

    # -- task state entries -------------------------------------------------------------------
    def task_entry(self, task_id, route):
        index = self.tasks.get(entry_key(task_id, route))
        return None if index is None else self.sequence[index]

    def task_index(self, task_id, route):
        return self.tasks.get(entry_key(task_id, route))

    def add_task_entry(self, entry):
        self.sequence.append(entry)
        self.tasks[entry_key(entry["id"], entry["route"])] = len(self.sequence) - 1
        return entry

    def has_task_in(self, wanted):
        return any(self.sequence[i].get("status") in wanted for i in self.tasks.values())

    @property
    def has_active_tasks(self):
        return self.has_task_in(statuses.ACTIVE)

    def visible_entry(self, task_id, route):
        """The task's latest entry as seen from `route`, or from the routes it split from."""
        entry = self.task_entry(task_id, route)
        if entry is not None or not route:
            return entry
        current = set(self.routes[route])
        for offset, earlier in enumerate(reversed(self.routes[:route])):
            if not set(earlier) - current:
                return self.visible_entry(task_id, route - offset - 1)
        return None

    def task_status(self, task_id, route):
        entry = self.visible_entry(task_id, route)
        return statuses.UNSET if entry is None else entry.get("status", statuses.UNSET)

    def terminal_entries(self):
        return [t for t in self.sequence if t.get("term")]

    # -- staging ------------------------------------------------------------------------------
    def stage(self, task_id, route, ctxs, prev=None, ready=True, retry=None):
        entry = {
            "id": task_id,
            "route": route,
            "ctxs": {"in": list(ctxs)},
            "prev": dict(prev or {}),
            "ready": ready,
        }
        if retry:
            entry["retry"] = retry
        self.staged.append(entry)
        return entry

    def staged_task(self, task_id, route):
        for entry in self.staged:
            if entry["id"] == task_id and entry["route"] == route:
                return entry
        return None

    def ready_staged(self):
        return [s for s in self.staged if s["ready"] and not s.get("completed")]

    @property
    def has_staged_tasks(self):
        return any(s["ready"] and not s.get("completed") for s in self.staged)

    def unstage(self, task_id, route):
        entry = self.staged_task(task_id, route)
        if entry is None:
            return
        if any(item["status"] in statuses.ACTIVE for item in entry.get("items", [])):
            return
        self.staged.remove(entry)
