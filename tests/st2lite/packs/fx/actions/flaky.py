from st2common.runners.base_action import Action


class Flaky(Action):
    def run(self, succeed_on):
        calls = int(self.action_service.get_value("calls") or 0) + 1
        self.action_service.set_value("calls", calls)
        if calls < succeed_on:
            return (False, {"calls": calls})
        return {"calls": calls}
