from qaeci import mysql_snapshots
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class MysqlSnapshotList(Action):
    def run(self):
        return run_step(self, mysql_snapshots.list_snapshots)
