import os
import tarfile

from app_build import AppBuild
from env_plan import EnvPlan
from qaeci_pack_testkit import QaeciActionTestCase, commit_of


class AppBuildTestCase(QaeciActionTestCase):
    action_cls = AppBuild

    def build(self, env, app, run):
        return self.get_action_instance(config=self.config()).run(env_name=env, app=app, run=run)

    def test_an_app_is_built_at_its_planned_commit_into_the_artifact_store(self):
        run = self.run_ok(EnvPlan, env_name="qa1", template="demo")["run"]
        ok, result = self.build("qa1", "api", run)
        self.assertTrue(ok, result)
        self.assertEqual((result["status"], result["built"], result["run"]), ("built", True, run))
        self.assertEqual(result["commit"], commit_of(self.repos, "api", "develop"))
        self.assertEqual(self.artifacts(), [result["build_key"]])
        self.assertTrue(result["build_key"].startswith("api/%s-" % result["commit"]))
        with tarfile.open(os.path.join(self.store_dir, result["build_key"])) as artifact:
            # build.artifact (dist) is what ships, without build.exclude (secrets.env).
            self.assertEqual(sorted(artifact.getnames()), ["app.conf", "server.py"])
            conf = artifact.extractfile("app.conf").read().decode()
        self.assertTrue(conf.startswith("api (develop) in {{ env.name }}"), conf)

    def test_an_app_without_a_build_step_ships_its_artifact_folder(self):
        plan = self.run_ok(EnvPlan, env_name="qa1", template="demo", branches=["web=feature-x"])
        result = self.run_ok(AppBuild, env_name="qa1", app="web", run=plan["run"])
        with tarfile.open(os.path.join(self.store_dir, result["build_key"])) as artifact:
            self.assertEqual(
                artifact.extractfile("index.html").read(), b"<h1>web, feature x</h1>\n"
            )

    def test_an_artifact_in_the_store_is_not_built_again_by_any_environment(self):
        run = self.run_ok(EnvPlan, env_name="qa1", template="demo")["run"]
        self.run_ok(AppBuild, env_name="qa1", app="api", run=run)
        again = self.run_ok(EnvPlan, env_name="qa1", template="demo")
        other = self.run_ok(EnvPlan, env_name="qa2", template="demo")
        self.assertEqual((again["build"], other["build"]), (["web", "admin"], ["web", "admin"]))
        self.assertEqual(other["reasons"]["api"], "never deployed")

    def test_a_failed_build_is_recorded_with_its_reason_and_log(self):
        plan = self.run_ok(EnvPlan, env_name="qa1", template="demo", branches=["api=broken"])
        ok, result = self.build("qa1", "api", plan["run"])
        # A failed build is the step's result, not a failed step: the deploy reports it.
        self.assertTrue(ok, result)
        self.assertEqual(
            (result["status"], result["built"], result["reason"]),
            ("failed", False, "make build exited with 2; see the build log"),
        )
        self.assertIn("compiling api", result["log_tail"])
        self.assertIn("server.c:1: error: expected ;", result["log_tail"])
        self.assertTrue(os.path.isfile(result["log_path"]))
        self.assertEqual(self.artifacts(), [])

    def test_an_artifact_folder_the_build_did_not_make_fails_the_build(self):
        plan = self.run_ok(EnvPlan, env_name="qa1", template="lite", branches=["docs=empty"])
        result = self.run_ok(AppBuild, env_name="qa1", app="docs", run=plan["run"])
        self.assertEqual(
            (result["status"], result["reason"]),
            ("failed", "build produced no site; fix: correct build.artifact or the build command"),
        )
