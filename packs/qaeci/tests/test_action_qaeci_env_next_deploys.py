import json

from env_next_deploys import EnvNextDeploys
from st2tests.base import BaseActionTestCase

RUN = "r1"


class EnvNextDeploysTestCase(BaseActionTestCase):
    action_cls = EnvNextDeploys

    def config(self):
        return {"registry_path": "/srv/qaeci/registry"}

    def record(self, key, value):
        self.action_service.set_value("qaeci.env.qa1" + key, json.dumps(value), local=False)

    def plan(self):
        self.record(
            "",
            {
                "env": "qa1",
                "run": RUN,
                "plan": {
                    "api": {"code": "api", "depends_on": []},
                    "web": {"code": "web", "depends_on": ["api"]},
                    "jobs": {"code": "jobs", "depends_on": ["web"]},
                },
            },
        )
        self.record(".services", {"run": RUN, "status": "healthy", "services": {}})
        for app in ("api", "web", "jobs"):
            self.record(".build." + app, {"run": RUN, "status": "built"})

    def test_hands_out_the_apps_whose_dependencies_are_launched(self):
        self.plan()
        self.record(".app.api", {"run": RUN, "status": "deploying", "stage": "check"})
        ok, result = self.get_action_instance(config=self.config()).run(
            env_name="qa1", run=RUN, apps=["web", "jobs"]
        )
        self.assertTrue(ok)
        self.assertEqual(result, {"ready": ["web"], "rest": ["jobs"]})

    def test_a_dependency_that_failed_hands_out_its_dependents_to_be_skipped(self):
        self.plan()
        self.record(".app.web", {"run": RUN, "status": "failed", "stage": "check"})
        ok, result = self.get_action_instance(config=self.config()).run(
            env_name="qa1", run=RUN, apps=["jobs"]
        )
        self.assertTrue(ok)
        self.assertEqual(result, {"ready": ["jobs"], "rest": []})

    def test_an_unknown_environment_is_a_one_line_error(self):
        ok, result = self.get_action_instance(config=self.config()).run(
            env_name="ghost", run=RUN, apps=["web"]
        )
        self.assertFalse(ok)
        self.assertEqual(set(result), {"error"})
        self.assertIn("environment ghost does not exist", result["error"])
