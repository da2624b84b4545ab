import os

from qaeci_pack_testkit import FIXTURES, QaeciActionTestCase
from registry_validate import RegistryValidate


class RegistryValidateTestCase(QaeciActionTestCase):
    action_cls = RegistryValidate

    def validate(self, registry_path):
        return self.get_action_instance(config=self.config(registry_path=registry_path)).run()

    def test_the_fixture_registry_is_valid(self):
        ok, result = self.validate(self.registry)
        self.assertTrue(ok, result)
        self.assertEqual(result, {"apps": 5, "templates": 2})

    def test_a_bad_file_is_reported_by_name_field_and_fix_in_one_line(self):
        ok, result = self.validate(os.path.join(FIXTURES, "bad_registry"))
        self.assertFalse(ok)
        self.assertEqual(
            result["error"],
            "apps/worker.yaml: field build.method: 'gradle' is not "
            "one of ['mvn', 'npm', 'make', 'shell', 'none']; fix: "
            "use one of mvn, npm, make, shell, none",
        )

    def test_a_missing_registry_is_a_one_line_error(self):
        ok, result = self.validate("/nonexistent/registry")
        self.assertFalse(ok)
        self.assertEqual(
            result["error"],
            "registry_path /nonexistent/registry is not a "
            "directory; fix: point the pack config registry_path "
            "at the app tree (apps/ and envs/)",
        )
