"""remediation_history: the decision log, newest first, of one app (in every environment or in
one), of ENV/APP, or of all; a bad limit is one line."""

from qaeci import automation
from qaeci_pack_testkit import QaeciActionTestCase
from remediation_history import RemediationHistory


class RemediationHistoryTestCase(QaeciActionTestCase):
    action_cls = RemediationHistory

    def setUp(self):
        super(RemediationHistoryTestCase, self).setUp()
        now = [1700000000.0]

        def clock():
            now[0] += 1
            return now[0]

        guard = automation.Guard(self.action_service, automation.Settings(max_per_hour=1), clock)
        guard.decide(
            "qa1/web",
            "restart it",
            {"cluster": "local", "exit_code": 137},
            kind="exit",
            env="qa1",
            app="web",
        )
        guard.decide("qa1/web", "restart it", kind="exit", env="qa1", app="web")
        guard.skip("qa2/web", "flapping", kind="exit", env="qa2", app="web")
        guard.skip("qa1/api", "base service", kind="oom", env="qa1", app="api")

    def history(self, **parameters):
        ok, result = self.get_action_instance(config=self.config()).run(**parameters)
        self.assertTrue(ok, result)
        return [(entry["key"], entry["decision"]) for entry in result["decisions"]]

    def test_newest_first_of_one_app_or_of_all(self):
        self.assertEqual(
            self.history(app="web"),
            [("qa2/web", "skipped"), ("qa1/web", "escalated"), ("qa1/web", "acted")],
        )
        self.assertEqual(
            self.history(app="web", env_name="qa1"),
            [("qa1/web", "escalated"), ("qa1/web", "acted")],
        )
        self.assertEqual(self.history(app="qa1/api"), [("qa1/api", "skipped")])
        self.assertEqual(len(self.history()), 4)
        self.assertEqual(self.history(limit=1), [("qa1/api", "skipped")])

    def test_each_decision_says_why_and_what_triggered_it(self):
        ok, result = self.get_action_instance(config=self.config()).run(app="qa1/web")
        oldest = result["decisions"][-1]
        self.assertEqual(
            (oldest["reason"], oldest["trigger"], oldest["time"]),
            (
                "restart it (1 of 1 this hour)",
                {"cluster": "local", "exit_code": 137},
                "2023-11-14T22:13:21Z",
            ),
        )

    def test_a_bad_limit_is_one_line(self):
        self.assertRefused(
            self.get_action_instance(config=self.config()).run(limit=0),
            "limit 0 is not a number from 1 to 200; fix: e.g. limit=20",
        )
