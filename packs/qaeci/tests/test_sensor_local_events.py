"""The local events sensor: what the local back end's event listener spooled becomes
qaeci.task_status / container_exit triggers with env and app, matching the schemas the sensor's
metadata declares; nothing is dispatched twice, nothing is lost while the sensor is down, bad
lines are skipped and counted, and with no local back end yet it idles quietly."""

import os
import shutil
import tempfile

import jsonschema
import yaml
from local_events_sensor import LocalEventsSensor
from qaeci import triggers
from qaeci.backends.local_event_spool import events_dir
from qaeci.backends.local_events import EventRecorder
from st2tests.base import BaseSensorTestCase

SENSOR_METADATA = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "sensors", "local_events_sensor.yaml"
)
SUPERVISORD_LOG = """\
2024-01-01 10:00:00,001 INFO spawned: 'qa1.web' with pid 2791
2024-01-01 10:00:01,002 INFO success: qa1.web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)
2024-01-01 10:05:00,003 WARN exited: qa1.web (exit status 3; not expected)
"""


def declared_schemas():
    with open(SENSOR_METADATA) as handle:
        metadata = yaml.safe_load(handle)
    return {entry["name"]: entry["payload_schema"] for entry in metadata["trigger_types"]}


class LocalEventsSensorTest(BaseSensorTestCase):
    sensor_cls = LocalEventsSensor

    def setUp(self):
        super(LocalEventsSensorTest, self).setUp()
        self.work_dir = tempfile.mkdtemp(prefix="qaeci-events-")
        self.addCleanup(shutil.rmtree, self.work_dir, True)
        log = os.path.join(self.work_dir, "supervisord.log")
        with open(log, "w") as handle:
            handle.write(SUPERVISORD_LOG)
        self.listener = EventRecorder(
            self.work_dir, log, kernel_log=os.path.join(self.work_dir, "no-kmsg")
        )

    def sensor(self, config=None):
        sensor = self.get_sensor_instance(
            config=config or {"registry_path": self.work_dir, "work_dir": self.work_dir}
        )
        sensor.setup()
        self.addCleanup(sensor.cleanup)
        return sensor

    def event(self, name, payload, serial=1):
        header = {
            "ver": "3.0",
            "server": "supervisor",
            "serial": str(serial),
            "pool": "qaeci-events",
            "poolserial": str(serial),
            "eventname": name,
            "len": str(len(payload)),
        }
        self.assertTrue(self.listener.handle(header, payload))

    def app_ran_and_failed(self):
        self.event(
            "PROCESS_STATE_RUNNING",
            "processname:qa1.web groupname:qa1.web from_state:STARTING pid:2791",
            1,
        )
        self.event(
            "PROCESS_STATE_EXITED",
            "processname:qa1.web groupname:qa1.web from_state:RUNNING expected:0 pid:2791",
            2,
        )

    def dispatched(self):
        schemas = declared_schemas()
        found = []
        for item in self.get_dispatched_triggers():
            pack, name = item["trigger"].split(".", 1)
            self.assertEqual(pack, "qaeci")
            jsonschema.validate(item["payload"], schemas[name])
            found.append((name, item["payload"]))
        return found

    def logged(self, level):
        return getattr(self.sensor_service.get_logger("any"), level).call_args_list

    def test_metadata_declares_the_back_end_neutral_trigger_types(self):
        expected = {
            name: triggers.trigger_type_metadata(name)["payload_schema"]
            for name in ("task_status", "container_exit", "container_oom")
        }
        self.assertEqual(declared_schemas(), expected)

    def test_idles_quietly_while_the_local_back_end_has_never_run(self):
        sensor = self.sensor()
        self.assertEqual(sensor.poll(), 0)
        self.assertEqual(self.get_dispatched_triggers(), [])
        self.assertEqual(self.logged("warning") + self.logged("error"), [])
        self.assertFalse(os.path.exists(events_dir(self.work_dir)))

    def test_an_app_that_failed_gives_its_state_and_exit_code_with_env_and_app(self):
        self.app_ran_and_failed()
        self.assertEqual(self.sensor().poll(), 3)
        (running, failed, exited) = self.dispatched()
        self.assertEqual(
            [running[0], failed[0], exited[0]], ["task_status", "task_status", "container_exit"]
        )
        self.assertEqual((running[1]["state"], failed[1]["state"]), ("TASK_RUNNING", "TASK_FAILED"))
        self.assertEqual(failed[1]["message"], "exited: exit status 3; not expected")
        self.assertEqual(
            (exited[1]["env"], exited[1]["app"], exited[1]["exit_code"], exited[1]["container_id"]),
            ("qa1", "web", 3, "qa1.web:2791"),
        )

    def test_events_spooled_while_the_sensor_was_down_arrive_once(self):
        self.event(
            "PROCESS_STATE_RUNNING",
            "processname:qa1.web groupname:qa1.web from_state:STARTING pid:2791",
            1,
        )
        first = self.sensor()
        self.assertEqual(first.poll(), 1)
        first.cleanup()  # the sensor goes down; the app fails meanwhile
        self.event(
            "PROCESS_STATE_EXITED",
            "processname:qa1.web groupname:qa1.web from_state:RUNNING expected:0 pid:2791",
            2,
        )
        self.assertEqual(self.sensor().poll(), 2)  # a new sensor: only what it has not sent
        self.assertEqual(
            [name for name, _payload in self.dispatched()],
            ["task_status", "task_status", "container_exit"],
        )

    def test_malformed_lines_are_skipped_counted_and_logged_once_per_kind(self):
        self.app_ran_and_failed()
        segment = os.path.join(events_dir(self.work_dir), "spool", "0000000001.jsonl")
        with open(segment, "a") as handle:
            handle.write("not json\nnot json either\n[]\n")
        self.event(
            "PROCESS_STATE_STOPPED",
            "processname:qa1.api groupname:qa1.api from_state:STOPPING pid:2800",
            3,
        )
        sensor = self.sensor()
        sensor.poll()
        self.assertEqual(sensor.feed.malformed.counts, {"not JSON": 2, "not a JSON object": 1})
        self.assertEqual(len(self.logged("warning")), 2)
        self.assertEqual(
            [payload["app"] for _name, payload in self.dispatched()][-2:], ["api", "api"]
        )

    def test_a_second_sensor_on_the_same_spool_waits_instead_of_sending_twice(self):
        self.app_ran_and_failed()
        first, second = self.sensor(), self.sensor()
        self.assertEqual((first.poll(), second.poll()), (3, 0))
        first.cleanup()
        self.event(
            "PROCESS_STATE_STARTING",
            "processname:qa1.web groupname:qa1.web from_state:FATAL tries:0",
            3,
        )
        self.assertEqual(second.poll(), 1)

    def test_a_pack_config_it_cannot_read_is_one_error_line_and_no_crash(self):
        sensor = self.sensor(config={"work_dir": self.work_dir})
        self.assertEqual(sensor.poll(), 0)
        [error] = self.logged("error")
        self.assertIn("registry_path", error[0][0])
