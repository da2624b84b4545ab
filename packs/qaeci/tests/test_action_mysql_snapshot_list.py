import io
import json
import os
import tarfile

from mysql_snapshot_list import MysqlSnapshotList
from qaeci_pack_testkit import QaeciActionTestCase


class MysqlSnapshotListTestCase(QaeciActionTestCase):
    action_cls = MysqlSnapshotList

    def snapshots(self):
        ok, result = self.get_action_instance(config=self.config()).run()
        self.assertTrue(ok, result)
        return result["snapshots"]

    def publish(self, name, metadata=None):
        """A snapshot as mysql_snapshot_create leaves it in the store: the data directory's
        tar.gz, and its metadata beside it."""
        folder = os.path.join(self.store_dir, "mysql-snapshots")
        os.makedirs(folder, exist_ok=True)
        with tarfile.open(os.path.join(folder, name + ".tar.gz"), "w:gz") as archive:
            member = tarfile.TarInfo("./ibdata1")
            member.size = 4
            archive.addfile(member, io.BytesIO(b"data"))
        if metadata is not None:
            with open(os.path.join(folder, name + ".json"), "w") as handle:
                json.dump(metadata, handle)

    def test_an_empty_store_has_no_snapshots(self):
        self.assertEqual(self.snapshots(), [])

    def test_each_snapshot_with_what_was_recorded_when_it_was_taken(self):
        metadata = json.loads(self.get_fixture_content("snapshots/standard.json"))
        self.publish("standard", metadata)
        self.publish("bare")  # taken by hand: no metadata
        self.assertEqual(
            self.snapshots(),
            [
                {"name": "bare", "key": "mysql-snapshots/bare.tar.gz"},
                dict(metadata, key="mysql-snapshots/standard.tar.gz"),
            ],
        )
