"""Every action's metadata against its code: python actions are run by StackStorm as
`ActionClass(config).run(**parameters)`, so run() must take what the metadata declares; and
every action has its tests here (orquesta workflows: test_workflows.py checks them all)."""

import ast
import glob
import importlib
import inspect
import os
import unittest

from qaeci_pack_testkit import PACK_DIR, actions
from st2common.runners.base_action import Action

# The python-script runner's own parameters: StackStorm keeps them, run() never gets them.
RUNNER_PARAMETERS = {
    "python-script": {"env", "timeout", "log_level", "debug", "content_version"},
    "orquesta": {"notify"},
}


def action_classes(meta):
    module = importlib.import_module(os.path.splitext(meta["entry_point"])[0])
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, Action)
        and value is not Action
        and value.__module__ == module.__name__
    ]


def classes_under_test():
    """Names given to action_cls in the test modules of this folder."""
    names = set()
    for path in glob.glob(os.path.join(PACK_DIR, "tests", "test_*.py")):
        with open(path) as handle:
            tree = ast.parse(handle.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
                if any(
                    isinstance(target, ast.Name) and target.id == "action_cls"
                    for target in node.targets
                ):
                    names.add(node.value.id)
    return names


class ActionMetadataTestCase(unittest.TestCase):
    def setUp(self):
        self.actions = actions()

    def test_every_action_is_named_after_its_file_and_has_its_entry_point(self):
        for name, meta in self.actions.items():
            self.assertEqual(meta["metadata_file"], os.path.join("actions", name + ".yaml"))
            self.assertIn(meta["runner_type"], RUNNER_PARAMETERS, name)
            self.assertTrue(
                os.path.isfile(os.path.join(PACK_DIR, "actions", meta["entry_point"])), name
            )
            self.assertTrue(meta.get("description"), name)

    def test_python_actions_run_with_the_parameters_they_declare(self):
        for name, meta in self.actions.items():
            if meta["runner_type"] != "python-script":
                continue
            classes = action_classes(meta)
            self.assertEqual(len(classes), 1, "%s: one Action subclass per file" % name)
            run = inspect.signature(classes[0].run).parameters
            declared = meta.get("parameters") or {}
            passed = set(declared) - RUNNER_PARAMETERS["python-script"]
            self.assertEqual(sorted(passed - set(run)), [], name)
            for parameter, spec in run.items():
                if parameter == "self" or spec.default is not inspect.Parameter.empty:
                    continue
                # run() cannot do without it: StackStorm must always pass it.
                self.assertIn(parameter, declared, name)
                self.assertTrue(
                    declared[parameter].get("required") or "default" in declared[parameter],
                    "%s: %s" % (name, parameter),
                )

    def test_every_python_action_has_a_test_case(self):
        wanted = set(
            cls.__name__
            for meta in self.actions.values()
            if meta["runner_type"] == "python-script"
            for cls in action_classes(meta)
        )
        self.assertEqual(sorted(wanted - classes_under_test()), [])
