from st2common.runners.base_action import Action

from qaeci.action_support import run_step


class MysqlSnapshotCreate(Action):
    def run(self, env_name, name):
        return run_step(self, lambda lifecycle: lifecycle.create_snapshot(env_name, name))
