"""What an expression can see: the workflow variables plus the engine's view of the running task."""


class Scope(object):
    """Variables (`ctx()`), the current task and item, and access to task statuses and the datastore.

    `state` is any object with `task_status(task_id, route)`; `kv_get(key, decrypt)` backs st2kv().
    """

    __slots__ = ("vars", "current_task", "current_item", "state", "kv_get")

    def __init__(self, variables, current_task=None, current_item=None, state=None, kv_get=None):
        self.vars = variables
        self.current_task = current_task
        self.current_item = current_item
        self.state = state
        self.kv_get = kv_get

    def with_item(self, item):
        return Scope(self.vars, self.current_task, item, self.state, self.kv_get)

    def with_vars(self, variables):
        return Scope(variables, self.current_task, self.current_item, self.state, self.kv_get)
