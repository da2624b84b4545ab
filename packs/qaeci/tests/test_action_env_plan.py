from env_list import EnvList
from env_plan import EnvPlan
from qaeci_pack_testkit import QaeciActionTestCase


class EnvPlanTestCase(QaeciActionTestCase):
    action_cls = EnvPlan

    def plan(self, **parameters):
        return self.get_action_instance(config=self.config()).run(**parameters)

    def test_a_new_environment_builds_and_deploys_every_app_after_its_dependencies(self):
        ok, result = self.plan(env_name="qa1", template="demo", requested_by="alice")
        self.assertTrue(ok, result)
        # admin depends on web, web on api: dependency order, not the alphabet.
        self.assertEqual(result["build"], ["api", "web", "admin"])
        self.assertEqual(result["deploy"], ["api", "web", "admin"])
        self.assertEqual(result["unchanged"], [])
        self.assertEqual(
            result["reasons"], {"api": "new build", "web": "new build", "admin": "new build"}
        )
        self.assertEqual(result["branches"], {"api": "develop", "web": "master", "admin": "master"})
        self.assertEqual(
            (result["env"], result["template"], result["build_concurrency"]), ("qa1", "demo", 2)
        )
        self.assertRegex(result["run"], r"^[0-9a-f]{12}$")

    def test_the_planned_environment_is_recorded_with_its_creator(self):
        self.plan(env_name="qa1", template="demo", requested_by="alice")
        ok, listing = self.run_action(EnvList)
        self.assertTrue(ok, listing)
        self.assertEqual(
            [
                (env["env"], env["template"], env["creator"], env["apps"], env["healthy"])
                for env in listing["environments"]
            ],
            [("qa1", "demo", "alice", 3, 0)],
        )

    def test_each_run_has_its_own_id(self):
        first = self.plan(env_name="qa1", template="demo")[1]["run"]
        second = self.plan(env_name="qa1", template="demo")[1]["run"]
        self.assertNotEqual(first, second)

    def test_some_apps_bring_what_they_depend_on_and_nothing_else(self):
        ok, result = self.plan(env_name="qa1", template="demo", apps=["web"])
        self.assertTrue(ok, result)
        self.assertEqual(result["deploy"], ["api", "web"])

    def test_an_app_outside_the_template_is_refused(self):
        ok, result = self.plan(env_name="qa1", template="demo", apps=["ghost"])
        self.assertRefused(
            (ok, result), "app 'ghost' is not in template demo; fix: pick apps from admin, api, web"
        )
        self.assertEqual(sorted(result), ["error"])  # every step fails in one shape

    def test_a_branch_for_one_app_as_typed_in_chat(self):
        ok, result = self.plan(env_name="qa1", template="demo", branches="web=feature-x")
        self.assertTrue(ok, result)
        self.assertEqual(
            result["branches"], {"api": "develop", "web": "feature-x", "admin": "master"}
        )

    def test_a_branch_for_every_app_that_has_it(self):
        # The template pins api to develop; admin has no feature-x and keeps its own default.
        ok, result = self.plan(env_name="qa1", template="demo", branch="feature-x")
        self.assertTrue(ok, result)
        self.assertEqual(
            result["branches"], {"api": "develop", "web": "feature-x", "admin": "master"}
        )

    def test_a_branch_override_without_a_branch_is_refused(self):
        self.assertRefused(
            self.plan(env_name="qa1", template="demo", branches=["web"]),
            "branch override 'web' is not APP=BRANCH; fix: write e.g. "
            "branches=web=feature-x,api=fix-1",
        )

    def test_a_missing_branch_is_refused_naming_the_repository(self):
        ok, result = self.plan(env_name="qa1", template="demo", branches=["web=nope"])
        self.assertRefused(
            (ok, result),
            "branch 'nope' not found in file://%s/web.git; fix: "
            "push the branch or pick an existing one" % self.repos,
        )

    def test_the_template_defaults_to_the_environments_name(self):
        ok, result = self.plan(env_name="lite")
        self.assertTrue(ok, result)
        self.assertEqual((result["template"], result["deploy"]), ("lite", ["docs", "hello"]))

    def test_an_environment_keeps_its_template(self):
        self.plan(env_name="qa1", template="demo")
        self.assertRefused(
            self.plan(env_name="qa1", template="lite"),
            "environment qa1 was made from template demo; fix: use template=demo "
            "or take it down first",
        )

    def test_an_unknown_template_is_refused(self):
        self.assertRefused(
            self.plan(env_name="qa1", template="nope"),
            "unknown environment template 'nope'; fix: pick one of demo, lite or "
            "add envs/nope.yaml",
        )

    def test_options_typed_without_key_value_are_refused_with_a_hint(self):
        self.assertRefused(
            self.plan(env_name="qa1 from demo"),
            "environment name 'qa1 from demo' is not a DNS label; fix: give "
            "options as key=value after the name, e.g. env up qa1 template=demo",
        )

    def test_an_environment_name_that_is_no_host_name_is_refused(self):
        self.assertRefused(
            self.plan(env_name="QA_1", template="demo"),
            "environment name 'QA_1' is not a DNS label; fix: use 1-63 lower-case "
            "letters, digits and '-', not starting or ending with '-'",
        )

    def test_without_a_registry_path_the_config_is_refused(self):
        action = self.get_action_instance(config=dict(self.config(), registry_path=None))
        ok, result = action.run(env_name="qa1", template="demo")
        self.assertRefused(
            (ok, result),
            "pack config has no registry_path; fix: set "
            "registry_path in configs/qaeci.yaml to the app tree "
            "directory",
        )
