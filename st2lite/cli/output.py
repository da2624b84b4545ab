"""How the CLI prints: JSON for machines, readable text for people."""

import json
import sys

import yaml


def print_json(data):
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def print_yaml_block(data, indent=2):
    text = yaml.safe_dump(data, default_flow_style=False, sort_keys=True, allow_unicode=True)
    pad = " " * indent
    sys.stdout.write("".join(pad + line + "\n" for line in text.rstrip("\n").splitlines()))


def execution_for_output(execution):
    """The execution as DESIGN.md's --json shape: internal columns dropped."""
    shaped = dict(
        (k, v) for k, v in execution.items() if k not in ("pid", "runtime", "runner", "parent")
    )
    if "children" in execution:
        shaped["children"] = [execution_for_output(c) for c in execution["children"]]
    return shaped


def print_execution(execution):
    print("id: %s" % execution["id"])
    print("action.ref: %s" % execution["action"])
    print("context.user: %s" % (execution.get("context") or {}).get("user"))
    print("status: %s" % execution["status"])
    print("start_timestamp: %s" % execution["start_timestamp"])
    print("end_timestamp: %s" % (execution.get("end_timestamp") or ""))
    print("parameters:")
    print_yaml_block(execution.get("parameters") or {})
    print("result:")
    print_yaml_block(execution.get("result") or {})
    children = execution.get("children") or []
    if children:
        print(
            "+--------------------------+------------------------+-----------------------+"
            "--------------------------+"
        )
        print("| %-24s | %-22s | %-21s | %-24s |" % ("id", "status", "task", "action"))
        for child in children:
            task = child.get("task") or ""
            if child.get("item") is not None:
                task += "[%d]" % child["item"]
            print(
                "| %-24s | %-22s | %-21s | %-24s |"
                % (child["id"], child["status"], task, child["action"])
            )
        print(
            "+--------------------------+------------------------+-----------------------+"
            "--------------------------+"
        )


def print_table(rows, columns):
    widths = [max([len(c)] + [len(str(r.get(c, ""))) for r in rows]) for c in columns]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(line)
    print("| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |")
    print(line)
    for row in rows:
        print(
            "| " + " | ".join(str(row.get(c, "")).ljust(w) for c, w in zip(columns, widths)) + " |"
        )
    print(line)
