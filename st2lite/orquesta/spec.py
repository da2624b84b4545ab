"""Parse an Orquesta workflow definition into a WorkflowSpec, and inspect it for errors.

Inspection follows orquesta's four passes: syntax (the JSON schema), semantics (undefined and
reserved task names, unreachable joins, start tasks), expressions (do they parse) and context
(is every ctx() variable assigned before use).
"""

import re
from collections import OrderedDict

import yaml

from st2lite.orquesta import expressions, schema, valid_definitions
from st2lite.orquesta.errors import WorkflowSpecError
from st2lite.orquesta.inline import parse_inline_params

ENGINE_COMMANDS = ("continue", "fail", "noop", "retry")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ITEMS_FORM = re.compile(
    r"^\s*(?:(?P<keys>\w+(?:\s*,\s*\w+)*)\s+in\s+)?(?P<expr>.+?)\s*$", re.DOTALL
)


class TransitionSpec(object):
    def __init__(self, index, data):
        self.index = index
        self.when = data.get("when")
        publish = data.get("publish") or []
        if isinstance(publish, str):
            publish = parse_inline_params(publish)
        self.publish = [next(iter(entry.items())) for entry in publish]
        targets = data.get("do") or "continue"
        if isinstance(targets, str):  # "a, b": names are separated by commas only, as orquesta
            targets = [t.strip() for t in targets.split(",")]
        self.do = list(targets)


class ItemsSpec(object):
    def __init__(self, data):
        if isinstance(data, str):
            data = {"items": data}
        text = data["items"]
        match = _ITEMS_FORM.match(text)
        keys = match.group("keys") if match else None
        self.keys = [k.strip() for k in keys.split(",")] if keys else None
        self.expression = match.group("expr") if match else text.strip()
        self.concurrency = data.get("concurrency")


class TaskSpec(object):
    def __init__(self, name, data):
        self.name = name
        self.action = data.get("action")
        self.input = data.get("input") or {}
        inline = parse_inline_params(self.action, preserve_order=False) if self.action else {}
        if inline:
            self.action = self.action[: self.action.index(" ")]
            self.input = inline
        self.join = data.get("join")
        self.items = ItemsSpec(data["with"]) if data.get("with") else None
        self.retry = data.get("retry")
        self.delay = data.get("delay")
        self.next = [TransitionSpec(i, t) for i, t in enumerate(data.get("next") or [])]

    def next_tasks(self):
        """(next task name, condition, transition index), sorted by name as orquesta sorts them."""
        found = [(name, t.when, t.index) for t in self.next for name in t.do]
        return sorted(found, key=lambda x: x[0])


class WorkflowSpec(object):
    def __init__(self, data):
        self.raw = data
        self.description = data.get("description")
        self.input = [self._input_entry(e) for e in data.get("input") or []]
        self.vars = [next(iter(e.items())) for e in data.get("vars") or []]
        self.output = [next(iter(e.items())) for e in data.get("output") or []]
        self.tasks = OrderedDict((n, TaskSpec(n, t or {})) for n, t in data["tasks"].items())
        self._prev_counts = self._count_inbound()
        self._cycle_memo = {}

    @staticmethod
    def _input_entry(entry):
        if isinstance(entry, dict):
            name, default = next(iter(entry.items()))
            return name, default
        return entry, None

    def _count_inbound(self):
        counts = {}
        for task in self.tasks.values():
            for name, _, _ in task.next_tasks():
                counts[name] = counts.get(name, 0) + 1
        return counts

    def has_task(self, name):
        return name in self.tasks or name in ENGINE_COMMANDS

    def next_tasks(self, name):
        task = self.tasks.get(name)
        return task.next_tasks() if task else []

    def start_tasks(self):
        return sorted(n for n in self.tasks if not self._prev_counts.get(n))

    def is_join(self, name):
        task = self.tasks.get(name)
        return task is not None and task.join is not None

    def is_split(self, name):
        return not self.is_join(name) and self._prev_counts.get(name, 0) > 1

    def in_cycle(self, name):
        if name not in self._cycle_memo:
            seen, pending = set(), [n for n, _, _ in self.next_tasks(name)]
            found = False
            while pending:
                current = pending.pop()
                if current == name:
                    found = True
                    break
                if current in seen:
                    continue
                seen.add(current)
                pending.extend(n for n, _, _ in self.next_tasks(current))
            self._cycle_memo[name] = found
        return self._cycle_memo[name]


def load_definition(definition):
    """YAML text or a dict -> dict; raises WorkflowSpecError when it is neither."""
    if isinstance(definition, dict):
        return definition
    if not isinstance(definition, str) or not definition.strip():
        raise WorkflowSpecError("The workflow definition is empty: give YAML text or a mapping.")
    try:
        data = yaml.load(definition, Loader=_YAML_LOADER)
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        where = " at line %d" % (line + 1) if line is not None else ""
        raise WorkflowSpecError(
            "The workflow definition is not valid YAML%s: %s"
            % (where, str(getattr(e, "problem", e)))
        ) from e
    if not isinstance(data, dict):
        raise WorkflowSpecError(
            "The workflow definition must be a mapping with `version` and `tasks`."
        )
    return data


def _syntax_errors(data):
    key = valid_definitions.digest(schema.WORKFLOW, data)
    if valid_definitions.known_valid(key):
        return []
    import jsonschema  # only for a definition not known to be valid (see valid_definitions)

    validator = jsonschema.Draft4Validator(schema.WORKFLOW)
    errors = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        path = "".join("[%d]" % p if isinstance(p, int) else ".%s" % p for p in error.path)
        errors.append(
            {
                "type": "syntax",
                "message": _syntax_message(error),
                "spec_path": path.lstrip(".") or ".",
                "schema_path": ".".join(str(p) for p in error.schema_path),
            }
        )
    if not errors:
        valid_definitions.remember_valid(key)
    return errors


def _syntax_message(error):
    if error.validator == "required" and "'version'" in error.message:
        return "'version' is a required property; add `version: 1.0` at the top"
    if error.validator == "additionalProperties":
        return "%s (allowed: %s)" % (
            error.message,
            ", ".join(sorted(error.schema.get("properties", {})))
            or "task names made of letters, digits and _",
        )
    if error.validator == "oneOf":
        return "%r is not valid under any of the given schemas" % (error.instance,)
    return error.message


def _semantic_errors(spec):
    errors = []
    for name in spec.tasks:
        if name in ENGINE_COMMANDS:
            errors.append(
                _semantic(
                    'The task name "%s" is reserved with special function; rename the task.' % name,
                    "tasks.%s" % name,
                )
            )
    if not spec.start_tasks():
        errors.append(
            _semantic(
                "The workflow has no start task: every task is the target of a "
                "transition; leave at least one task with no inbound `do`.",
                "tasks",
            )
        )
    for name, task in spec.tasks.items():
        for transition in task.next:
            for target in transition.do:
                if not spec.has_task(target):
                    errors.append(
                        _semantic(
                            'The task "%s" is not defined; define it under `tasks` or correct the '
                            "name in `do`%s." % (target, _separator_hint(target)),
                            "tasks.%s.next[%d].do" % (name, transition.index),
                        )
                    )
        if task.items is not None and not expressions.has_expressions(task.items.expression):
            errors.append(
                _semantic(
                    "The items of a with-items task must be an expression, as `x in <% ctx().xs %>`, "
                    "`x, y in <% zip(...) %>` or `{{ ... }}`; got "
                    + repr(task.items.expression)
                    + ".",
                    "tasks.%s.with.items" % name,
                )
            )
        if task.items is not None and not task.action:
            errors.append(
                _semantic(
                    "The action property is required for with items task; add "
                    "the `action` each item runs.",
                    "tasks.%s" % name,
                )
            )
    errors.extend(_unreachable_joins(spec))
    return errors


def _separator_hint(target):
    return " (separate task names with commas)" if len(target.split()) > 1 else ""


def _semantic(message, spec_path):
    return {"type": "semantics", "message": message, "spec_path": spec_path}


def _unreachable_joins(spec):
    """A join fed by branches that split at different levels is ambiguous (orquesta refuses it)."""
    staging, pending = {}, [(None, name, []) for name in spec.start_tasks()]
    while pending:
        prev, name, splits = pending.pop(0)
        if name not in spec.tasks:
            continue
        if spec.is_split(name) and not spec.in_cycle(name):
            splits = splits + [name]
        entry = staging.setdefault(name, {"splits": set(), "prev": set()})
        entry["splits"] |= set(splits)
        if prev:
            entry["prev"].add(prev)
        for next_name, _, _ in spec.next_tasks(name):
            if next_name not in staging or not spec.in_cycle(next_name):
                pending.append((name, next_name, list(splits)))
            if len(pending) > 100000:
                return []
    errors = []
    for name, entry in staging.items():
        if spec.is_join(name) and any(
            entry["splits"] != staging[p]["splits"] for p in entry["prev"]
        ):
            errors.append(
                _semantic(
                    'The join task "%s" is unreachable. A join task is determined to be unreachable if '
                    "there are nested forks from multi-referenced tasks that join on the said task; "
                    "join branches that split at the same level, or drop `join`." % name,
                    "tasks.%s" % name,
                )
            )
    return errors


def _expression_errors(data):
    errors = []
    sections = [
        ("input", data.get("input")),
        ("vars", data.get("vars")),
        ("output", data.get("output")),
    ]
    sections += [("tasks.%s" % n, t) for n, t in (data.get("tasks") or {}).items()]
    for path, value in sections:
        for error in expressions.validate(value):
            language = error["type"] or "mixed"
            errors.append(
                {
                    "type": "expression",
                    "expression": error["expression"],
                    "spec_path": path,
                    "message": "Invalid %s expression %s: %s"
                    % (language, error["expression"], error["message"]),
                }
            )
    return errors


def _context_errors(spec, known):
    """Variables read with ctx() before any input, var or publish assigns them (orquesta's walk)."""
    errors = []
    rolling = set(known) | {name for name, _ in spec.input}

    def check(statement, available, path):
        for expression, name in expressions.referenced_variables(statement):
            if name not in available:
                errors.append(
                    {
                        "type": "context",
                        "expression": expression,
                        "spec_path": path,
                        "message": 'The variable "%s" is referenced before assigned.' % name,
                    }
                )

    for name, value in spec.vars:
        check(value, rolling, "vars")
        rolling.add(name)
    traversed, join_ctx, pending = [], {}, [(n, set(rolling)) for n in spec.start_tasks()]
    visited = set()
    while pending:
        name, available = pending.pop(0)
        traversed.append(name)
        if available is None:
            available = join_ctx.get(name, set())
        visit = (name, frozenset(available))
        if visit in visited:  # the same task with the same variables finds nothing new
            continue
        visited.add(visit)
        task = spec.tasks.get(name)
        if task is None:
            continue
        path = "tasks.%s" % name
        check([task.delay, task.action, task.input], available, path)
        if task.items is not None:
            check([task.items.expression, task.items.concurrency], available, path)
        rolling |= available
        for transition in task.next:
            branch = set(available)
            check(transition.when, branch, "%s.next[%d]" % (path, transition.index))
            for var, value in transition.publish:
                check(value, branch, "%s.next[%d].publish" % (path, transition.index))
                branch.add(var)
            rolling |= branch
            for target in transition.do:
                if target in traversed or target not in spec.tasks:
                    continue
                if spec.is_join(target):
                    join_ctx[target] = join_ctx.get(target, set()) | branch
                    pending.append((target, None))
                else:
                    pending.append((target, branch))
    for name, value in spec.output:
        check(value, rolling, "output")
        rolling.add(name)
    unique = []
    for error in errors:
        if error not in unique:
            unique.append(error)
    return unique


def inspect(definition, known_variables=("st2", "parent")):
    """Every problem in `definition` as a list of error dicts (empty when it is valid)."""
    try:
        data = load_definition(definition)
    except WorkflowSpecError as e:
        return [{"type": "syntax", "message": str(e), "spec_path": "."}]
    errors = _syntax_errors(data)
    if errors:
        return errors
    spec = WorkflowSpec(data)
    errors = _semantic_errors(spec) + _expression_errors(data)
    if not errors:
        errors = _context_errors(spec, known_variables)
    return errors


def parse(definition, known_variables=("st2", "parent")):
    """Inspect and build the WorkflowSpec; raises WorkflowSpecError naming the first problem."""
    data = load_definition(definition)
    errors = inspect(data, known_variables)
    if errors:
        first = errors[0]
        more = " (and %d more problems)" % (len(errors) - 1) if len(errors) > 1 else ""
        raise WorkflowSpecError(
            "Invalid workflow definition at %s: %s%s"
            % (first.get("spec_path", "."), first["message"], more),
            errors,
        )
    return WorkflowSpec(data)
