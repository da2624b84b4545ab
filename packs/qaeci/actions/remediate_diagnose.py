from qaeci import remediation_reports
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class RemediateDiagnose(Action):
    def run(self, decision):
        return run_step(self, lambda context: remediation_reports.diagnose(context, decision))
