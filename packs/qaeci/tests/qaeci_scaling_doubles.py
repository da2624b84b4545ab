"""What the scaling actions' tests share: a Mesos master, a Marathon launch queue and an
OpenStack double (wired to the Mesos one) on loopback, and the pack config that points
`clusters.dev` and `scaling` at them."""

from qaeci_pack_testkit import QaeciActionTestCase

from tests.doubles.marathon_queue import MarathonQueueDouble
from tests.doubles.mesos import MesosMasterDouble
from tests.doubles.openstack import OpenStackDouble


class ScalingActionTestCase(QaeciActionTestCase):
    def setUp(self):
        super(ScalingActionTestCase, self).setUp()
        self.mesos = MesosMasterDouble().start()
        self.marathon = MarathonQueueDouble().start()
        self.openstack = OpenStackDouble(self.mesos, boot_delay=0.05).start()
        for double in (self.openstack, self.marathon, self.mesos):
            self.addCleanup(double.stop)

    def config(self, **scaling):
        section = {
            "cooldown": 600,
            "agent_timeout": 5,
            "poll_interval": 0.02,
            "max_per_step": 5,
            "approval_above": 5,
            "openstack": {
                "auth_url": self.openstack.url_identity,
                "project": "qaeci",
                "user": "qaeci-bot",
                "password": "s3cret",
                "flavor": "3",
                "image": "70a599e0-31e7-49b7-b260-868f441e862b",
                "network": "ff608d40-75e9-48cb-b745-77bb55b5eaf2",
            },
        }
        section.update(scaling)
        return super(ScalingActionTestCase, self).config(
            scaling=section,
            clusters={"dev": {"mesos_url": self.mesos.url, "marathon_url": self.marathon.url}},
        )

    def queue(self, count, cpus=1.0, mem=1024.0):
        entry = self.marathon.queue_app("/qaeci/qa1/web", "2026-12-05T10:00:00.000Z", count=count)
        entry["app"].update(cpus=cpus, mem=mem)
