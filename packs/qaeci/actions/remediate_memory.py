from qaeci import remediation_fixes
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class RemediateMemory(Action):
    def run(self, decision):
        return run_step(
            self,
            lambda context: remediation_fixes.raise_memory(
                context, decision, decision["env"], decision["app"], decision["plan"]["mem_after"]
            ),
        )
