"""`st2lite pack list|validate`: what loaded, and what StackStorm would refuse."""

import os

from st2lite.cli.context import runtime_for
from st2lite.cli.output import print_json, print_table
from st2lite.packs.config import PackConfigError, load_pack_config
from st2lite.packs.loader import load_packs


def register(sub, common):
    pack = sub.add_parser("pack", parents=[common], help="packs")
    verbs = pack.add_subparsers(dest="verb")
    listing = verbs.add_parser("list", parents=[common])
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)
    validate = verbs.add_parser("validate", parents=[common])
    validate.add_argument("dir", nargs="?")
    validate.add_argument("--json", action="store_true")
    validate.set_defaults(handler=cmd_validate)


def cmd_list(args):
    content = runtime_for(args).content
    rows = []
    for ref, pack in sorted(content.packs.items()):
        rows.append(
            {
                "ref": ref,
                "version": pack.meta.get("version", ""),
                "path": pack.path,
                "actions": sum(1 for a in content.actions.values() if a["pack"] == ref),
                "rules": sum(1 for r in content.rules if r["pack"] == ref),
                "aliases": sum(1 for a in content.aliases if a["pack"] == ref),
                "sensors": sum(1 for s in content.sensors if s["pack"] == ref),
            }
        )
    if args.json:
        print_json(rows)
    else:
        print_table(rows, ["ref", "version", "actions", "rules", "aliases", "sensors", "path"])
    return 0


def cmd_validate(args):
    """Every problem StackStorm's registrar would refuse, one line each; exit 2 when any."""
    runtime = runtime_for(args)
    content = load_packs([os.path.abspath(args.dir)]) if args.dir else runtime.content
    problems = [p.as_dict() for p in content.problems]
    problems += _workflow_problems(content)
    problems += _config_problems(content, runtime)
    if args.json:
        print_json({"packs": sorted(content.packs), "problems": problems})
    else:
        for p in problems:
            print("%s: %s: %s" % (p["file"], p["field"] or "(file)", p["reason"]))
        print(
            "%d pack(s) checked: %s; %d problem(s)"
            % (len(content.packs), ", ".join(sorted(content.packs)) or "none", len(problems))
        )
    return 2 if problems or not content.packs else 0


def _workflow_problems(content):
    from st2lite.orquesta import inspect_workflow

    problems = []
    for action in content.actions.values():
        if action["runner_type"] != "orquesta" or not action.get("entry_point_path"):
            continue
        with open(action["entry_point_path"]) as f:
            errors = inspect_workflow(f.read())
        for error in errors:
            problems.append(
                {
                    "file": action["entry_point_path"],
                    "field": error.get("schema_path")
                    or error.get("spec_path")
                    or error.get("type"),
                    "reason": error.get("message"),
                }
            )
    return problems


def _config_problems(content, runtime):
    problems = []
    for ref, pack in content.packs.items():
        if not os.path.isfile(os.path.join(runtime.config_dir, ref + ".yaml")):
            continue
        try:
            load_pack_config(pack, runtime.config_dir, runtime.kv_lookup)
        except PackConfigError as e:
            problems.append(
                {
                    "file": os.path.join(runtime.config_dir, ref + ".yaml"),
                    "field": "config",
                    "reason": str(e),
                }
            )
    return problems
