"""remediate_decide: one event, one decision, logged, within the hourly cap and the dry-run
switch; events that are not about one of our apps, or no failure, are ignored (not logged)."""

from env_plan import EnvPlan
from qaeci import automation, triggers
from qaeci_pack_testkit import QaeciActionTestCase
from remediate_decide import RemediateDecide


def oom(env, app, pid, cluster="local"):
    program = "%s.%s" % (env, app)
    return triggers.container_oom(
        cluster,
        program,
        program,
        "127.0.0.1",
        "%s:%s" % (program, pid),
        labels={triggers.ENV_LABEL: env, triggers.APP_LABEL: app},
    )


def failed_task(env, app, task_id):
    return triggers.task_status(
        "dev",
        "/qaeci/%s/%s" % (env, app),
        task_id,
        "TASK_FAILED",
        message="Container exited with status 1",
    )


class RemediateDecideTestCase(QaeciActionTestCase):
    action_cls = RemediateDecide

    def setUp(self):
        super(RemediateDecideTestCase, self).setUp()
        self.remediation = {"max_per_hour": 2}
        self.run_ok(EnvPlan, env_name="qa1", template="lite", requested_by="alice")

    def decide(self, kind, trigger, **remediation):
        config = self.config(remediation=dict(self.remediation, **remediation))
        ok, result = self.get_action_instance(config=config).run(kind=kind, trigger=trigger)
        self.assertTrue(ok, result)
        return result

    def logged(self, app):
        return [
            (entry["decision"], entry["reason"])
            for entry in reversed(automation.history(self.action_service, app=app))
        ]

    def test_an_oom_kill_raises_memory_by_the_factor_up_to_the_cap_then_escalates_once(self):
        first = self.decide("oom", oom("qa1", "docs", 10))
        self.assertEqual(
            (
                first["decision"],
                first["acts"],
                first["plan"]["mem_before"],
                first["plan"]["mem_after"],
            ),
            ("acted", True, 256, 384),
        )
        self.assertEqual(self.decide("oom", oom("qa1", "docs", 11))["plan"]["mem_after"], 576)
        third = self.decide("oom", oom("qa1", "docs", 12))
        self.assertEqual((third["decision"], third["acts"]), ("escalated", False))
        self.assertTrue(
            third["message"].startswith(
                "qa1/docs was killed for running out of memory: automatic remediation stopped, over "
                "to a person: not done: raise its memory from 576 to 864 MB and redeploy it"
            )
        )
        fourth = self.decide("oom", oom("qa1", "docs", 13))
        self.assertEqual((fourth["decision"], fourth["message"]), ("skipped", None))
        self.assertEqual(
            [decision for decision, _ in self.logged("docs")],
            ["acted", "acted", "escalated", "skipped"],
        )

    def test_the_same_kill_reported_twice_is_handled_once(self):
        self.decide("oom", oom("qa1", "docs", 10))
        again = self.decide("oom", oom("qa1", "docs", 10))
        self.assertEqual(
            (again["decision"], again["reason"]),
            ("skipped", "OOM kill of qa1.docs:10 already handled"),
        )

    def test_at_the_memory_maximum_it_says_so_once_an_hour_and_leaves_it(self):
        first = self.decide("oom", oom("qa1", "docs", 10), max_memory=256)
        self.assertEqual(first["decision"], "skipped")
        self.assertEqual(
            first["message"],
            "qa1/docs was killed for running out of memory, and is "
            "already at its memory ceiling (256 MB, "
            "remediation.max_memory); left to a person",
        )
        self.assertIsNone(self.decide("oom", oom("qa1", "docs", 11), max_memory=256)["message"])

    def test_a_dry_run_says_what_it_would_do_and_uses_its_own_budget(self):
        dry = self.decide("oom", oom("qa1", "docs", 10), dry_run=True)
        self.assertEqual((dry["decision"], dry["acts"], dry["dry_run"]), ("skipped", False, True))
        self.assertEqual(
            dry["message"],
            "[dry run] qa1/docs was killed for running out of "
            "memory: dry run: would raise its memory from 256 to "
            "384 MB and redeploy it (1 of 2 this hour)",
        )
        self.assertTrue(self.decide("oom", oom("qa1", "docs", 11))["acts"])

    def test_events_about_no_app_of_ours_are_ignored_and_not_logged(self):
        stranger = triggers.container_oom("dev", "/other/thing", "t1", "h", "c1")
        self.assertEqual(self.decide("oom", stranger)["decision"], "ignored")
        self.assertEqual(self.decide("oom", oom("qa9", "docs", 1))["decision"], "ignored")
        self.assertEqual(self.decide("oom", oom("qa1", "nope", 1))["decision"], "ignored")
        self.assertEqual(automation.history(self.action_service), [])

    def test_a_flapping_app_is_reported_once_then_left_alone(self):
        answers = [
            self.decide(
                "task_failed", failed_task("qa1", "hello", "t%d" % number), flapping_failures=3
            )
            for number in range(4)
        ]
        self.assertEqual(
            [(a["decision"], a["report"]) for a in answers],
            [("ignored", False), ("ignored", False), ("skipped", True), ("skipped", False)],
        )
        self.assertEqual(
            answers[2]["plan"]["headline"],
            "qa1/hello is flapping: 3 failures within 600 s "
            "(remediation.flapping_failures/_window); left alone",
        )
        flapping = self.decide("oom", oom("qa1", "hello", 99), flapping_failures=3)
        self.assertEqual(flapping["reason"], "flapping: left alone (reported with its logs)")

    def test_one_failed_task_counts_once(self):
        for _ in range(3):
            answer = self.decide(
                "task_failed", failed_task("qa1", "hello", "t1"), flapping_failures=2
            )
        self.assertEqual((answer["decision"], answer["reason"]), ("ignored", "already counted"))

    def test_a_failed_deployment_is_reported_and_retried_only_when_configured(self):
        payload = triggers.deployment(
            "dev", "/qaeci/qa1/hello", "d1", "failed", reason="Failed to deploy"
        )
        report = self.decide("deployment_failed", payload)
        self.assertEqual(
            (report["decision"], report["report"], report["acts"]), ("skipped", True, False)
        )
        self.assertIn(
            "no automatic retry (remediation.retry_failed_deployment is false)", report["reason"]
        )
        retry = self.decide("deployment_failed", payload, retry_failed_deployment=True)
        self.assertEqual((retry["decision"], retry["report"], retry["acts"]), ("acted", True, True))

    def test_a_failed_deployment_outside_our_environments_is_reported_not_retried(self):
        payload = triggers.deployment("dev", "/qaeci/gone/hello", "d2", "failed")
        answer = self.decide("deployment_failed", payload, retry_failed_deployment=True)
        self.assertEqual(
            (answer["decision"], answer["report"], answer["acts"]), ("skipped", True, False)
        )
        self.assertEqual(
            answer["reason"],
            "reported; not retried: gone/hello is not an app of a qaeci environment now",
        )

    def test_a_lost_agent_without_our_tasks_is_logged_and_left(self):
        payload = triggers.agent_change("dev", "a-S9", "10.0.0.9", "left", False, {"mem": 1024})
        answer = self.decide("agent_lost", payload)
        self.assertEqual(
            (answer["decision"], answer["reason"]),
            ("skipped", "no qaeci environment had tasks on 10.0.0.9"),
        )

    def test_a_bad_setting_or_kind_is_one_line(self):
        config = self.config(remediation={"factor": 1})
        ok, result = self.get_action_instance(config=config).run(
            kind="oom", trigger=oom("qa1", "docs", 1)
        )
        self.assertRefused((ok, result), "remediation.factor is 1; fix: set it to a number above 1")
        self.assertRefused(
            self.get_action_instance(config=self.config()).run(kind="fire", trigger={}),
            "remediation kind 'fire' is unknown; fix: use one of oom, "
            "exit, task_failed, deployment_failed, agent_lost",
        )
