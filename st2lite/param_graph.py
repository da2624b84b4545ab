"""Parameter values rendered in dependency order, once, as StackStorm's st2common.util.param
renders them.

Every name is a node holding a plain value or a template; a template depends on the names it
reads (other parameters, `st2kv`, `action_context`, `config_context`). A name read but never
defined, or names that depend on each other in a circle, refuse the whole set before anything
renders. Then each template is rendered once, after what it reads: a rendered value is never
rendered again, whatever text it holds."""

import json
import re

from st2lite.param_jinja import is_template, render, template_names

__all__ = ["ParameterGraph", "RenderError"]

# In a list or dict, a string that is exactly "{{name}}" (no spaces) keeps the value's own type:
# StackStorm rewrites it to `{{name | to_complex}}` in the structure's JSON text.
_WHOLE_NAME = re.compile(r'"{{([A-z0-9_-]+)}}"')


class RenderError(Exception):
    """StackStorm's ParamException: the values cannot be rendered; says which and why."""


class ParameterGraph(object):
    def __init__(self, contexts):
        self._nodes = {}  # name -> {"value": v} and/or {"template": t}, in insertion order
        self._reads = {}  # name -> names its template reads
        for name, value in contexts.items():
            self.add_value(name, value)

    def has_value(self, name):
        """Whether NAME holds a value other than None (a template holds none)."""
        return self._nodes.get(name, {}).get("value") is not None

    def add_value(self, name, value):
        """NAME holds VALUE as it is, whatever text it contains."""
        self._nodes.setdefault(name, {})["value"] = value

    def add(self, name, value):
        """NAME holds VALUE, a template when it is (or, for a list or dict, contains) Jinja that
        parses. Like StackStorm, a template added over a value leaves both; the template wins."""
        source = str(value) if isinstance(value, (list, dict)) else value
        names = template_names(source) if is_template(source) else None
        if names is None:
            self.add_value(name, value)
            return
        self._nodes.setdefault(name, {})["template"] = value
        for read in names:
            self._nodes.setdefault(read, {})
            self._reads.setdefault(name, set()).add(read)

    def resolve(self):
        """{name: rendered value} for every node; raises RenderError."""
        order = self._order()
        self._check(order)
        rendered = {}
        for name in order:
            try:
                rendered[name] = _render(self._nodes[name], rendered)
            except Exception as e:  # whatever the template raised, as StackStorm reports it
                raise RenderError('Failed to render parameter "%s": %s' % (name, e)) from e
        return rendered

    def _check(self, order):
        for name, node in self._nodes.items():
            if "value" not in node and "template" not in node:
                raise RenderError('Dependency unsatisfied in variable "%s"' % name)
        if len(order) < len(self._nodes):
            raise RenderError(
                "Cyclic dependency found in the following variables: %s. Likely "
                "the variable is referencing itself" % ", ".join(sorted(_cycle_names(self._reads)))
            )

    def _order(self):
        """Names in an order where each comes after what it reads; names on or behind a cycle
        are left out."""
        ordered, placed = [], set()
        waiting = list(self._nodes)
        while waiting:
            ready = [n for n in waiting if self._reads.get(n, set()) <= placed]
            if not ready:
                break
            ordered.extend(ready)
            placed.update(ready)
            waiting = [n for n in waiting if n not in placed]
        return ordered


def _render(node, context):
    template = node.get("template")
    if template is None:
        return node.get("value")
    if isinstance(template, (list, dict)):
        text = json.dumps(template, separators=(",", ":"), ensure_ascii=False)
        return json.loads(render(_WHOLE_NAME.sub(r"{{\1 | to_complex}}", text), context))
    return render(str(template), context)


def _cycle_names(reads):
    """The names StackStorm's message lists: each name that reads itself, then one name of each
    group of names reading each other in a circle (here the first by name; StackStorm's pick
    varies), the group searched again without it."""
    edges = dict((name, set(names)) for name, names in reads.items())
    names = set(n for n, targets in edges.items() if n in targets)
    for name in names:
        edges[name].discard(name)
    group = _circular_group(edges)
    while group:
        chosen = min(group)
        names.add(chosen)
        edges.pop(chosen, None)
        for targets in edges.values():
            targets.discard(chosen)
        group = _circular_group(edges)
    return names


def _circular_group(edges):
    """The names of one circle of EDGES (name -> names it reads), with every name on a circle
    through the first of them; an empty set when there is none."""
    for name in sorted(edges):
        reachable = _reachable(edges, name)
        if name in reachable:
            return set([name]) | set(n for n in reachable if name in _reachable(edges, n))
    return set()


def _reachable(edges, start):
    seen, stack = set(), list(edges.get(start, ()))
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(edges.get(name, ()))
    return seen
