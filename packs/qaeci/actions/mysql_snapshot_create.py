from qaeci import mysql_snapshots
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class MysqlSnapshotCreate(Action):
    def run(self, env_name, name):
        return run_step(
            self, lambda context: mysql_snapshots.create_snapshot(context, env_name, name)
        )
