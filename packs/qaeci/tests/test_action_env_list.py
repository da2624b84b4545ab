from env_list import EnvList
from env_plan import EnvPlan
from qaeci_pack_testkit import QaeciActionTestCase


class EnvListTestCase(QaeciActionTestCase):
    action_cls = EnvList

    def listing(self):
        ok, result = self.get_action_instance(config=self.config()).run()
        self.assertTrue(ok, result)
        return result["environments"]

    def test_no_environments(self):
        self.assertEqual(self.listing(), [])

    def test_every_environment_with_its_template_creator_and_healthy_apps(self):
        self.run_ok(EnvPlan, env_name="qa2", template="lite", requested_by="bob")
        self.run_ok(EnvPlan, env_name="qa1", template="demo", requested_by="alice")
        self.assertEqual(
            [
                (
                    env["env"],
                    env["template"],
                    env["deploy_type"],
                    env["creator"],
                    env["apps"],
                    env["healthy"],
                )
                for env in self.listing()
            ],
            [("qa1", "demo", "dev", "alice", 3, 0), ("qa2", "lite", "beta", "bob", 2, 0)],
        )
