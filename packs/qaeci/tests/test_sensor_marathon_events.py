"""The Marathon event sensor as StackStorm runs it (its class, the pack config, the sensor
service), against the repository's Marathon double (tests/doubles/marathon.py, a real HTTP
server on loopback built from the recorded payloads). Outside the repository there is no double
and these tests are skipped with that reason. The stream's own behaviour (cuts, leader changes,
stalls, malformed events) is tested in tests/marathon_sensor/."""

import threading

from marathon_events_sensor import MarathonEventsSensor
from qaeci.backends.marathon_client import MarathonClient
from qaeci_sensor_doubles import checked_payloads, declared_schemas, logged, wait_until
from st2tests.base import BaseSensorTestCase

from tests.doubles.marathon import MarathonDouble

CREDENTIALS = "qaeci:secret"
FAST = {"retry_first": 0.02, "retry_max": 0.1, "request_timeout": 5, "marathon_stall_timeout": 2}


class MarathonEventsSensorTest(BaseSensorTestCase):
    sensor_cls = MarathonEventsSensor

    def setUp(self):
        super(MarathonEventsSensorTest, self).setUp()
        self.marathon = MarathonDouble(
            credentials=CREDENTIALS, start_delay=0.01, heartbeat_interval=0.2
        ).start()
        self.addCleanup(self.marathon.stop)

    def start_sensor(self, clusters):
        sensor = self.get_sensor_instance(config={"clusters": clusters, "sensors": FAST})
        sensor.setup()
        thread = threading.Thread(target=sensor.run, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(sensor.cleanup)
        return sensor

    def logged(self, level):
        return logged(self.sensor_service.get_logger("any"), level)

    def payloads(self, ref):
        return checked_payloads(
            list(self.get_dispatched_triggers()),
            declared_schemas("marathon_events_sensor.yaml"),
            ref,
        )

    def test_it_follows_each_configured_marathon_and_dispatches_declared_triggers(self):
        sensor = self.start_sensor(
            {
                "dev": {"marathon_url": self.marathon.url, "marathon_auth": CREDENTIALS},
                "beta": {"mesos_url": "http://127.0.0.1:5050"},
            }
        )
        self.assertEqual([watch.name for watch in sensor.watches], ["dev"])
        wait_until(lambda: sensor.watches[0].connected.is_set())
        MarathonClient("dev", self.marathon.url, CREDENTIALS).put_app(
            "/qaeci/qa1/web", {"id": "/qaeci/qa1/web", "cmd": "serve"}
        )
        wait_until(
            lambda: [p["status"] for p in self.payloads("qaeci.deployment")][-1:] == ["success"]
        )
        running = [p for p in self.payloads("qaeci.task_status") if p["state"] == "TASK_RUNNING"]
        self.assertEqual(
            [(p["cluster"], p["env"], p["app"], p["reconciled"]) for p in running],
            [("dev", "qa1", "web", False)],
        )
        self.assertEqual(self.logged("error"), [])

    def test_it_idles_quietly_when_no_marathon_is_configured(self):
        sensor = self.start_sensor({})
        self.assertEqual(sensor.watches, [])
        self.assertEqual(
            self.logged("info"),
            ["no cluster in the pack config names a marathon_url; the Marathon event sensor idles"],
        )
        sensor.cleanup()
        self.assertEqual(self.get_dispatched_triggers(), [])

    def test_a_bad_cluster_entry_is_one_line_and_the_others_are_followed(self):
        sensor = self.start_sensor(
            {
                "dev": {"marathon_url": self.marathon.url, "marathon_auth": CREDENTIALS},
                "beta": {"marathon_url": "http://127.0.0.1:1", "marathon_auth": "no-colon"},
            }
        )
        self.assertEqual([watch.name for watch in sensor.watches], ["dev"])
        [line] = self.logged("error")
        self.assertIn('clusters.beta.marathon_auth must be "user:password"; fix:', line)
        wait_until(lambda: sensor.watches[0].connected.is_set())

    def test_wrong_credentials_are_one_line_naming_the_marathon_and_the_fix(self):
        sensor = self.start_sensor(
            {"dev": {"marathon_url": self.marathon.url, "marathon_auth": "qaeci:wrong"}}
        )
        wait_until(lambda: sensor.watches[0]._backoff.failures >= 3)
        [line] = self.logged("error")
        self.assertIn("Marathon dev (%s) refused the credentials" % self.marathon.url, line)
        self.assertIn("fix: set clusters.dev.marathon_auth", line)
