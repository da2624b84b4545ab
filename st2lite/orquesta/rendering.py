"""Render a staged task into the actions to start now: its action reference and input evaluated
against the task's context, once per item for a with-items task (within its concurrency).

Problems are found in orquesta's order: the items and every item's action, then the delay, then
the concurrency."""

from st2lite.orquesta import statuses as st
from st2lite.orquesta.expressions import evaluate


def render_task(task_spec, staged, scope):
    """{"id", "route", "actions": [{"action", "input", "item_id"}], "delay"?, "items_count"?,
    "concurrency"?} for the staged entry `staged` of `task_spec`."""
    task = {"id": staged["id"], "route": staged["route"]}
    if task_spec.items is None:
        task["actions"] = [_action(task_spec, scope, None)]
        _add_delay(task, task_spec, scope)
        return task
    items, concurrency, rendered = _items_of(staged, task_spec, scope)
    _add_delay(task, task_spec, scope)
    concurrency = _concurrency(concurrency, task_spec.name)
    task["items_count"], task["concurrency"] = len(items), concurrency
    task["actions"] = [
        rendered[index]
        if index in rendered
        else _action(task_spec, scope.with_item(items[index]), index)
        for index in _items_to_start(staged, len(items), concurrency)
    ]
    return task


def _action(task_spec, scope, item_id):
    return {
        "action": evaluate(task_spec.action, scope),
        "input": evaluate(task_spec.input, scope),
        "item_id": item_id,
    }


def _add_delay(task, task_spec, scope):
    if task_spec.delay is not None:
        task["delay"] = _delay(task_spec.delay, scope)


def _delay(delay, scope):
    value = evaluate(delay, scope)
    if not isinstance(value, int):  # a boolean passes, as in orquesta (True is 1 second)
        raise TypeError("The value of task delay is not type of integer.")
    return value


def _items_of(staged, task_spec, scope):
    """The task's items (each shaped by its `x, y in` keys), its raw concurrency and the actions
    rendered now by index. Items and concurrency are evaluated once per staging of the task since
    its context does not change meanwhile; on that first rendering every item's action is
    rendered, so that an item that cannot render fails the workflow before any item runs, as in
    orquesta (which renders them all each time)."""
    items_spec = task_spec.items
    cached = staged.get("rendered_items")
    if cached is not None and cached["ctxs"] == staged["ctxs"]["in"]:
        return cached["items"], cached["concurrency"], {}
    values = evaluate(items_spec.expression, scope)
    if not isinstance(values, list):
        raise TypeError('The value of "%s" is not type of list.' % items_spec.expression)
    items = [_shape_item(item, items_spec.keys) for item in values]
    rendered = {
        index: _action(task_spec, scope.with_item(item), index) for index, item in enumerate(items)
    }
    concurrency = evaluate(items_spec.concurrency, scope)
    staged["rendered_items"] = {
        "ctxs": list(staged["ctxs"]["in"]),
        "items": items,
        "concurrency": concurrency,
    }
    return items, concurrency, rendered


def _concurrency(value, task_id):
    """None (no limit) or a whole number of at least 1: orquesta runs one item at a time when the
    concurrency is 0 or less, and fails the task when it is not a number."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and value <= 0:
        return 1
    if not isinstance(value, int):
        raise TypeError(
            'The with-items concurrency of task "%s" is %r, not an integer; give a '
            "whole number or an expression that evaluates to one." % (task_id, value)
        )
    return value


def _shape_item(item, keys):
    """`x, y in <% zip(...) %>` names the parts of each item; `x in ...` names the item."""
    if keys and isinstance(item, (list, tuple)):
        return dict(zip(keys, list(item)))
    if keys and len(keys) == 1:
        return {keys[0]: item}
    return item


def _items_to_start(staged, count, concurrency):
    """Indexes of the items that may start now under the task's concurrency."""
    if not staged.get("items"):
        staged["items"] = [{"status": st.UNSET} for _ in range(count)]
    items = staged["items"]
    not_run = [i for i, item in enumerate(items) if item["status"] == st.UNSET]
    if concurrency is None:
        return not_run
    available = concurrency - sum(1 for item in items if item["status"] in st.ACTIVE)
    return not_run[:available] if available > 0 else []
