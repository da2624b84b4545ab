from compat_demo_text import greeting_line
from st2common.runners.base_action import Action


class GreetAction(Action):
    def run(self, name, count=1):
        if count < 1:
            return (False, "count must be at least 1, got %s" % count)
        previous = self.action_service.get_value("last_greeted")
        self.action_service.set_value("last_greeted", name)
        return {
            "message": greeting_line(self.config["greeting"], name, count),
            "previous": previous,
        }
