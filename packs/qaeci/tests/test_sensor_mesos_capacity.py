"""The capacity sensor against the Mesos master and Marathon queue doubles: sustained allocation
levels with hysteresis, agents joining, leaving and deactivated, stalled launches with their
reasons, and bad config or unreachable endpoints logged once."""

import datetime

from mesos_capacity_sensor import MesosCapacitySensor
from qaeci_sensor_doubles import checked_payloads, declared_schemas, logged, wait_until
from st2tests.base import BaseSensorTestCase

from tests.doubles.marathon_queue import MarathonQueueDouble
from tests.doubles.mesos import MesosMasterDouble

SCHEMAS = declared_schemas("mesos_capacity_sensor.yaml")
FAST = {"retry_first": 0.001, "retry_max": 0.001, "request_timeout": 5}


def ago(seconds):
    moment = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class MesosCapacitySensorTest(BaseSensorTestCase):
    sensor_cls = MesosCapacitySensor

    def setUp(self):
        super(MesosCapacitySensorTest, self).setUp()
        self.mesos = MesosMasterDouble().start()
        self.marathon = MarathonQueueDouble(credentials="qaeci:secret").start()
        self.mesos.set_allocation(cpus=0.5, mem=0.5, disk=0.5)
        self.addCleanup(self.mesos.stop)
        self.addCleanup(self.marathon.stop)

    def config(self, **sensors):
        return {
            "clusters": {
                "dev": {
                    "mesos_url": self.mesos.url,
                    "marathon_url": self.marathon.url,
                    "marathon_auth": "qaeci:secret",
                }
            },
            "sensors": dict(FAST, **sensors),
        }

    def sensor(self, config=None):
        sensor = self.get_sensor_instance(config=config or self.config())
        sensor.setup()
        return sensor

    def dispatched(self, name):
        return checked_payloads(self.get_dispatched_triggers(), SCHEMAS, "qaeci." + name)

    def logger(self):
        return self.sensor_service.get_logger("any")

    # Idle

    def test_idles_quietly_when_no_cluster_is_configured(self):
        sensor = self.sensor(config={"registry_path": "/srv/registry"})
        sensor.poll()
        self.assertEqual(self.get_dispatched_triggers(), [])
        self.assertEqual(logged(self.logger(), "error"), [])
        self.assertEqual(self.mesos.requests, [])

    # Capacity

    def test_capacity_fires_only_after_the_level_holds_for_n_polls(self):
        sensor = self.sensor(self.config(capacity_polls=3))
        self.mesos.set_allocation(cpus=0.5, mem=0.9, disk=0.5)
        sensor.poll()
        sensor.poll()
        self.assertEqual(self.dispatched("capacity"), [])
        sensor.poll()
        [high] = self.dispatched("capacity")
        self.assertEqual(
            (high["cluster"], high["resource"], high["level"], high["previous_level"]),
            ("dev", "mem", "high", "normal"),
        )
        self.assertAlmostEqual(high["ratio"], 0.9)
        self.assertEqual(high["total"], 116256.0)

    def test_a_ratio_wobbling_around_the_threshold_fires_nothing(self):
        sensor = self.sensor(self.config(capacity_polls=2))
        for ratio in (0.9, 0.5, 0.9, 0.5, 0.9, 0.5):
            self.mesos.set_allocation(mem=ratio)
            sensor.poll()
        self.assertEqual(self.dispatched("capacity"), [])

    def test_leaving_high_needs_the_hysteresis_margin(self):
        sensor = self.sensor(
            self.config(capacity_polls=1, capacity_high=0.85, capacity_hysteresis=0.05)
        )
        self.mesos.set_allocation(cpus=0.9)
        sensor.poll()
        self.mesos.set_allocation(cpus=0.82)  # below high, inside the margin: still high
        sensor.poll()
        sensor.poll()
        self.assertEqual([p["level"] for p in self.dispatched("capacity")], ["high"])
        self.mesos.set_allocation(cpus=0.7)
        sensor.poll()
        self.mesos.set_allocation(cpus=0.1)
        sensor.poll()
        self.assertEqual(
            [(p["previous_level"], p["level"]) for p in self.dispatched("capacity")],
            [("normal", "high"), ("high", "normal"), ("normal", "low")],
        )

    def test_a_restarted_sensor_does_not_repeat_a_level_it_announced(self):
        sensor = self.sensor(self.config(capacity_polls=1))
        self.mesos.set_allocation(disk=0.95)
        sensor.poll()
        self.assertEqual(len(self.dispatched("capacity")), 1)
        restarted = self.sensor(self.config(capacity_polls=1))
        restarted.poll()
        restarted.poll()
        self.assertEqual(len(self.dispatched("capacity")), 1)

    def test_a_master_that_is_not_the_leader_is_named_once_and_its_zeros_ignored(self):
        sensor = self.sensor(self.config(capacity_polls=1))
        self.mesos.set_allocation(cpus=0.0, mem=0.0, disk=0.0)
        self.mesos.set_elected(False)
        for _ in range(3):
            sensor.poll()
        self.assertEqual(self.dispatched("capacity"), [])
        errors = [line for line in logged(self.logger(), "error") if "leading master" in line]
        self.assertEqual(len(errors), 1)
        self.assertIn("clusters.dev.mesos_url", errors[0])

    # Agents

    def test_agents_joining_deactivated_reactivated_and_leaving(self):
        sensor = self.sensor()
        sensor.poll()  # the first answer is the baseline
        self.assertEqual(self.dispatched("agent_change"), [])
        self.mesos.add_agent("7e3a1c0f-2b1d-4c8e-9f3a-5d6b7c8d9e0f-S9", 9)
        sensor.poll()
        first = self.mesos.agent_ids()[0]
        self.mesos.deactivate_agent(first)
        sensor.poll()
        self.mesos.reactivate_agent(first)
        sensor.poll()
        self.mesos.remove_agent("7e3a1c0f-2b1d-4c8e-9f3a-5d6b7c8d9e0f-S9")
        sensor.poll()
        changes = [
            (p["change"], p["agent_id"][-2:], p["hostname"], p["active"])
            for p in self.dispatched("agent_change")
        ]
        self.assertEqual(
            changes,
            [
                ("joined", "S9", "127.0.1.9", True),
                ("deactivated", "S3", "127.0.1.1", False),
                ("reactivated", "S3", "127.0.1.1", True),
                ("left", "S9", "127.0.1.9", False),
            ],
        )
        self.assertEqual(
            self.dispatched("agent_change")[0]["resources"],
            {"cpus": 4.0, "mem": 14861.0, "disk": 69716.0},
        )

    def test_an_agent_that_left_while_the_sensor_was_down_is_reported(self):
        self.sensor().poll()
        self.mesos.remove_agent(self.mesos.agent_ids()[0])
        self.sensor().poll()
        self.assertEqual([p["change"] for p in self.dispatched("agent_change")], ["left"])

    # Launch queue

    def test_a_launch_waiting_past_the_threshold_is_stalled_once_with_its_reasons(self):
        sensor = self.sensor(self.config(launch_stalled_after=120))
        self.marathon.queue_app(
            "/qaeci/env1/web", ago(600), declined={"InsufficientMemory": 4, "InsufficientCpus": 2}
        )
        self.marathon.queue_app("/qaeci/env1/api", ago(10), declined={"InsufficientPorts": 3})
        self.marathon.queue_app("/other/app", ago(900), overdue=False)  # backed off, not starved
        sensor.poll()
        sensor.poll()
        [stalled] = self.dispatched("launch_stalled")
        self.assertEqual(
            (stalled["env"], stalled["app"], stalled["app_id"]), ("env1", "web", "/qaeci/env1/web")
        )
        self.assertEqual(stalled["reasons"], ["InsufficientMemory", "InsufficientCpus"])
        self.assertEqual(stalled["declined"]["InsufficientMemory"], 4)
        self.assertGreaterEqual(stalled["waiting_seconds"], 600)
        self.assertEqual((stalled["offers_processed"], stalled["offers_unused"]), (42, 42))

    def test_a_launch_queued_again_later_is_announced_again(self):
        sensor = self.sensor(self.config(launch_stalled_after=60))
        self.marathon.queue_app("/qaeci/env1/web", ago(300), declined={"UnfulfilledConstraint": 6})
        sensor.poll()
        self.marathon.launched("/qaeci/env1/web")
        sensor.poll()
        self.marathon.queue_app("/qaeci/env1/web", ago(120), declined={"UnfulfilledConstraint": 6})
        sensor.poll()
        self.assertEqual(
            [p["reasons"] for p in self.dispatched("launch_stalled")],
            [["UnfulfilledConstraint"], ["UnfulfilledConstraint"]],
        )

    def test_the_recorded_queue_names_the_app_by_its_marathon_id(self):
        sensor = self.sensor(self.config(launch_stalled_after=0))
        self.marathon.queue_recorded()
        sensor.poll()
        [stalled] = self.dispatched("launch_stalled")
        self.assertEqual((stalled["env"], stalled["app"]), ("env1", "web"))
        self.assertEqual(stalled["since"], "2023-09-05T08:12:30.600Z")

    # Bad configuration and unreachable endpoints

    def test_wrong_credentials_are_one_line_naming_the_fix(self):
        config = self.config()
        config["clusters"]["dev"]["marathon_auth"] = "qaeci:wrong"
        sensor = self.sensor(config)
        for _ in range(4):
            sensor.poll()
        errors = [line for line in logged(self.logger(), "error") if "Marathon" in line]
        self.assertEqual(len(errors), 1)
        self.assertIn("refused the credentials (HTTP 401)", errors[0])
        self.assertIn("marathon_auth", errors[0])

    def test_an_unreachable_master_is_logged_once_and_its_recovery_once(self):
        config = self.config()
        port = self.mesos.port
        self.mesos.stop()
        sensor = self.sensor(config)
        for _ in range(4):
            sensor.poll()
        errors = logged(self.logger(), "error")
        self.assertEqual(len(errors), 1)
        self.assertIn("Mesos master http://127.0.0.1:%d is unreachable" % port, errors[0])
        self.assertIn("clusters.dev.mesos_url", errors[0])
        self.mesos.start(port=port)
        # The failing master is backing off (retry_first, up to 1 ms here): a poll before that
        # delay ends skips it, as StackStorm's next poll_interval would not. Poll until it is
        # asked again.
        wait_until(lambda: sensor.poll() or self.recoveries())
        self.assertEqual(len(self.recoveries()), 1)
        self.assertIn(
            "Mesos master http://127.0.0.1:%d is answering again" % port, self.recoveries()[0]
        )
        self.assertEqual(len(logged(self.logger(), "error")), 1)

    def recoveries(self):
        return [line for line in logged(self.logger(), "info") if "answering again" in line]

    def test_a_bad_cluster_entry_is_named_and_the_good_ones_are_watched(self):
        config = self.config()
        config["clusters"]["beta"] = {"mesos_url": "", "docker_hosts": "ftp://nowhere"}
        sensor = self.sensor(config)
        self.assertEqual([watch.cluster.name for watch in sensor.watches], ["dev"])
        [error] = logged(self.logger(), "error")
        self.assertIn("clusters.beta.mesos_url", error)

    def test_a_bad_sensor_setting_idles_the_sensor_with_one_line(self):
        sensor = self.sensor(self.config(capacity_high="lots"))
        sensor.poll()
        [error] = logged(self.logger(), "error")
        self.assertIn("sensors.capacity_high must be a number", error)
        self.assertEqual(self.mesos.requests, [])

    def test_malformed_answers_are_skipped_counted_and_logged_once_per_kind(self):
        sensor = self.sensor()
        self.mesos.serve_broken("/master/slaves", b'{"slaves": [{"hostname": "x"}]}')
        self.mesos.serve_broken("/metrics/snapshot", b"not json at all")
        for _ in range(3):
            sensor.poll()
        self.assertEqual(sensor.malformed.counts, {"/master/slaves": 3, "/metrics/snapshot": 3})
        warnings = [w for w in logged(self.logger(), "warning") if "malformed" in w]
        self.assertEqual(len(warnings), 2)
        self.assertIn("not JSON", [w for w in warnings if "/metrics/snapshot" in w][0])
        self.assertEqual(logged(self.logger(), "error"), [])
        self.mesos.heal()
        sensor.poll()
        self.mesos.add_agent("7e3a1c0f-2b1d-4c8e-9f3a-5d6b7c8d9e0f-S8", 8)
        sensor.poll()
        self.assertEqual([p["change"] for p in self.dispatched("agent_change")], ["joined"])
