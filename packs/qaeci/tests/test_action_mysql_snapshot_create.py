from env_plan import EnvPlan
from mysql_snapshot_create import MysqlSnapshotCreate
from qaeci_pack_testkit import QaeciActionTestCase


class MysqlSnapshotCreateTestCase(QaeciActionTestCase):
    """What is refused before any MariaDB is touched (taking a snapshot needs the environment's
    running MariaDB: tests/local_backend covers that)."""

    action_cls = MysqlSnapshotCreate

    def create(self, env, name):
        return self.get_action_instance(config=self.config()).run(env_name=env, name=name)

    def test_a_name_that_is_no_file_name_is_refused(self):
        self.assertRefused(
            self.create("qa1", "Standard DB"),
            "snapshot name 'Standard DB' is invalid; fix: use lower-case letters, "
            "digits, '.', '_' and '-'",
        )

    def test_an_unknown_environment_is_refused(self):
        self.assertRefused(
            self.create("ghost", "standard"),
            "environment ghost does not exist; fix: check the name with env list",
        )

    def test_an_environment_without_mariadb_is_refused(self):
        self.run_ok(EnvPlan, env_name="qa1", template="lite")
        self.assertRefused(
            self.create("qa1", "standard"),
            "environment qa1 has no mysql service to snapshot: add mysql to its "
            "template's services",
        )
        self.assertEqual(self.artifacts(), [])
