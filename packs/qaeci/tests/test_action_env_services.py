from env_plan import EnvPlan
from env_services import EnvServices
from qaeci_local_site import LocalSiteTestCase


class EnvServicesTestCase(LocalSiteTestCase):
    """The lite template asks for no base service (MariaDB and the others are started by
    tests/local_backend): the step still readies every app's route while the builds run."""

    action_cls = EnvServices

    def test_no_base_services_is_healthy_and_every_route_is_ready_ahead(self):
        run = self.run_ok(EnvPlan, env_name="qa1", template="lite", requested_by="alice")["run"]
        ok, result = self.get_action_instance(config=self.config()).run(env_name="qa1", run=run)
        self.assertTrue(ok, result)
        self.assertEqual(result, {"run": run, "status": "healthy", "services": {}})
        # Routed before the apps start: nginx answers 502 until each listens.
        self.assertEqual(self.through_router("hello", "qa1")[0], 502)
        self.assertEqual(self.through_router("docs", "qa1")[0], 502)
        # An environment the router does not know gets nginx's 404, not someone else's app.
        self.assertEqual(self.through_router("hello", "qa2")[0], 404)

    def test_an_environment_never_planned_is_refused_in_one_line(self):
        ok, result = self.get_action_instance(config=self.config()).run(env_name="ghost", run="r0")
        self.assertFalse(ok)
        self.assertEqual(
            result,
            {"error": "environment ghost does not exist; fix: bring it up with env up ghost"},
        )
