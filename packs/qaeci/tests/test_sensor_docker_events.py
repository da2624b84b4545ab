"""The Docker events sensor against the Docker Engine double: OOM kills against plain exits,
health changes, containers mapped back to their Marathon app and task, malformed events skipped
and counted, a daemon that goes away and comes back, and a cut stream resumed with `since`."""

import shutil
import tempfile
import threading

from docker_events_sensor import DockerEventsSensor
from qaeci_sensor_doubles import checked_payloads, declared_schemas, logged, wait_until
from st2tests.base import BaseSensorTestCase

from tests.doubles.docker_engine import DockerEngineDouble

APP_ID = "/qaeci/env1/web"
TASK_ID = "qaeci_env1_web.instance-7b4d2d2e-4c8a-11ee-9c3b-0242ac110002._app.1"
OURS = {"qaeci.env": "env1", "qaeci.app": "web"}
SCHEMAS = declared_schemas("docker_events_sensor.yaml")
FAST = {"retry_first": 0.02, "retry_max": 0.1, "request_timeout": 5}


class DockerEventsSensorTest(BaseSensorTestCase):
    sensor_cls = DockerEventsSensor

    def setUp(self):
        super(DockerEventsSensorTest, self).setUp()
        directory = tempfile.mkdtemp(prefix="qaeci-docker-")
        self.addCleanup(shutil.rmtree, directory, True)
        self.engine = DockerEngineDouble(socket_path=directory + "/docker.sock").start()
        self.addCleanup(self.engine.stop)

    def start_sensor(self, hosts=None, wait=True):
        config = {
            "clusters": {"dev": {"docker_hosts": hosts or [self.engine.address]}},
            "sensors": FAST,
        }
        sensor = self.get_sensor_instance(config=config)
        sensor.setup()
        thread = threading.Thread(target=sensor.run, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(sensor.cleanup)
        if wait:
            wait_until(lambda: all(watch.connected.is_set() for watch in sensor.watches))
        return sensor

    def dispatched(self, name=None):
        return checked_payloads(
            list(self.get_dispatched_triggers()), SCHEMAS, name and "qaeci." + name
        )

    def wait_for(self, count, name=None):
        return wait_until(lambda: len(self.dispatched(name)) >= count and self.dispatched(name))

    def logger(self):
        return self.sensor_service.get_logger("any")

    # OOM against plain exits

    def test_an_oom_kill_is_container_oom_mapped_to_its_app_and_task(self):
        self.start_sensor()
        container = self.engine.run_task(APP_ID, TASK_ID, host="127.0.0.3", labels=OURS)
        self.engine.oom_kill(container)
        [oom] = self.wait_for(1)
        self.assertEqual(self.get_dispatched_triggers()[0]["trigger"], "qaeci.container_oom")
        self.assertEqual(
            (oom["cluster"], oom["env"], oom["app"], oom["app_id"], oom["task_id"]),
            ("dev", "env1", "web", APP_ID, TASK_ID),
        )
        self.assertEqual(
            (oom["host"], oom["exit_code"], oom["container_id"]), ("127.0.0.3", 137, container)
        )
        self.assertTrue(oom["container_name"].startswith("mesos-"))

    def test_a_plain_exit_and_a_sigkill_137_without_oom_are_container_exit(self):
        self.start_sensor()
        stopped = self.engine.run_task(APP_ID, TASK_ID, labels=OURS)
        killed = self.engine.run_task("/qaeci/env1/api", TASK_ID.replace("web", "api"))
        self.engine.exit(stopped, 143)
        self.engine.exit(killed, 137)
        exits = self.wait_for(2, "container_exit")
        self.assertEqual([(p["app"], p["exit_code"]) for p in exits], [("web", 143), ("api", 137)])
        self.assertEqual(self.dispatched("container_oom"), [])

    def test_health_changes_are_app_health_from_docker(self):
        self.start_sensor()
        container = self.engine.run_task(APP_ID, TASK_ID, labels=OURS)
        self.engine.health(container, "unhealthy")
        self.engine.health(container, "healthy")
        changes = self.wait_for(2, "app_health")
        self.assertEqual(
            [(p["status"], p["healthy"], p["source"]) for p in changes],
            [("unhealthy", False, "docker"), ("healthy", True, "docker")],
        )
        self.assertEqual(changes[0]["task_id"], TASK_ID)

    def test_a_container_that_is_not_ours_has_null_env_and_app(self):
        self.start_sensor()
        container = self.engine.run_task(
            "/platform/logstash", "platform_logstash.instance-1a2b3c4d._app.1"
        )
        self.engine.exit(container, 1)
        [exit_] = self.wait_for(1)
        self.assertEqual(
            (exit_["env"], exit_["app"], exit_["app_id"]), (None, None, "/platform/logstash")
        )

    def test_a_container_gone_before_its_event_is_mapped_from_the_event_itself(self):
        self.start_sensor()
        container = self.engine.run_task(APP_ID, TASK_ID, labels=OURS)
        event = self.engine.container_event("die", container, exitCode=0)
        self.engine.remove(container)
        self.engine.publish([event])
        [exit_] = self.wait_for(1)
        self.assertEqual(
            (exit_["env"], exit_["app"], exit_["task_id"], exit_["exit_code"]),
            ("env1", "web", TASK_ID, 0),
        )

    def test_inspect_is_asked_once_per_container(self):
        self.start_sensor()
        container = self.engine.run_task(APP_ID, TASK_ID, labels=OURS)
        for status in ("starting", "healthy", "unhealthy", "healthy"):
            self.engine.health(container, status)
        self.wait_for(4)
        inspects = [path for _, path in self.engine.requests if path.startswith("/containers/")]
        self.assertEqual(len(inspects), 1)

    # Malformed events

    def test_malformed_events_are_skipped_counted_and_logged_once_per_kind(self):
        sensor = self.start_sensor()
        for _ in range(3):
            self.engine.send_raw(b"{not json")
            self.engine.send_raw(b'{"Type":"container","Action":"die"}')
            self.engine.send_raw(
                b'{"Type":"container","Action":"health_status: sleepy",'
                b'"Actor":{"ID":"abc","Attributes":{}},"timeNano":1}'
            )
        container = self.engine.run_task(APP_ID, TASK_ID, labels=OURS)
        self.engine.exit(container, 2)
        [exit_] = self.wait_for(1)
        self.assertEqual(exit_["exit_code"], 2)
        self.assertEqual(
            sensor.malformed.counts, {"not JSON": 3, "no Actor.ID": 3, "unknown health status": 3}
        )
        warnings = [line for line in logged(self.logger(), "warning") if "malformed" in line]
        self.assertEqual(len(warnings), 3)

    # The daemon going away, and cut streams

    def test_a_daemon_that_goes_away_and_comes_back_is_followed_again(self):
        sensor = self.start_sensor()
        container = self.engine.run_task(APP_ID, TASK_ID, labels=OURS)
        self.engine.stop()
        wait_until(
            lambda: any(
                "unreachable" in line or "No such file" in line
                for line in logged(self.logger(), "error")
            )
        )
        wait_until(lambda: sensor.watches[0]._backoff.failures >= 3)
        errors = logged(self.logger(), "error")
        wait_until(lambda: sensor.watches[0]._backoff.failures >= 8)  # it keeps retrying...
        self.assertEqual(logged(self.logger(), "error"), errors)  # ... without a line per retry
        self.assertLessEqual(len(errors), 2, errors)  # the stream ended; the socket is gone
        self.engine.start()
        wait_until(lambda: sensor.watches[0].connected.is_set())
        self.engine.oom_kill(container)
        [oom] = self.wait_for(1, "container_oom")
        self.assertEqual(oom["task_id"], TASK_ID)
        self.assertTrue(any("answering again" in line for line in logged(self.logger(), "info")))

    def test_events_sent_while_the_stream_was_cut_arrive_once_through_since(self):
        sensor = self.start_sensor()
        web = self.engine.run_task(APP_ID, TASK_ID, labels=OURS)
        self.engine.exit(web, 1)
        self.wait_for(1)
        self.engine.pause_streams()
        self.engine.cut_streams()
        wait_until(lambda: not sensor.watches[0].connected.is_set())
        self.engine.health(web, "unhealthy")
        self.engine.exit(web, 3)
        self.engine.resume_streams()
        self.wait_for(3)
        wait_until(lambda: self.engine.streams_opened >= 2)
        self.engine.exit(web, 4)
        payloads = self.wait_for(4)
        self.assertEqual(
            [(p.get("exit_code"), p.get("status")) for p in payloads],
            [(1, None), (None, "unhealthy"), (3, None), (4, None)],
        )

    # Configuration

    def test_idles_quietly_without_docker_hosts(self):
        sensor = self.get_sensor_instance(config={"clusters": {"dev": {"mesos_url": "http://m"}}})
        sensor.setup()
        thread = threading.Thread(target=sensor.run, daemon=True)
        thread.start()
        sensor.cleanup()
        thread.join(5)
        self.assertFalse(thread.is_alive())
        self.assertEqual(logged(self.logger(), "error"), [])
        self.assertEqual(self.engine.requests, [])

    def test_a_daemon_missing_at_start_is_named_once_then_followed_when_it_starts(self):
        self.engine.stop()
        sensor = self.start_sensor(wait=False)
        wait_until(lambda: sensor.watches[0]._backoff.failures >= 3)
        [error] = logged(self.logger(), "error")
        self.assertIn("Docker daemon %s" % self.engine.address, error)
        self.assertIn("clusters.dev.docker_hosts", error)
        self.engine.start()
        wait_until(lambda: sensor.watches[0].connected.is_set())
        container = self.engine.run_task(APP_ID, TASK_ID, labels=OURS)
        self.engine.exit(container, 0)
        self.assertEqual(self.wait_for(1)[0]["exit_code"], 0)

    def test_a_tcp_daemon_is_followed_too(self):
        tcp = DockerEngineDouble(tcp=True).start()
        self.addCleanup(tcp.stop)
        self.start_sensor(hosts=[tcp.address])
        container = tcp.run_task(APP_ID, TASK_ID, labels=OURS)
        tcp.oom_kill(container)
        self.assertEqual(self.wait_for(1, "container_oom")[0]["app"], "web")

    def test_a_restarted_sensor_resumes_after_what_it_saw_before(self):
        first = self.start_sensor()
        web = self.engine.run_task(APP_ID, TASK_ID, labels=OURS)
        self.engine.exit(web, 1)
        self.wait_for(1)
        first.cleanup()
        wait_until(lambda: not first.watches[0].connected.is_set())
        self.engine.exit(web, 2)  # while no sensor runs
        self.start_sensor()
        self.engine.exit(web, 3)
        self.wait_for(3)
        self.assertEqual([p["exit_code"] for p in self.dispatched()], [1, 2, 3])
