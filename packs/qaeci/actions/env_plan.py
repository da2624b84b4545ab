from st2common.runners.base_action import Action

from qaeci.action_support import failure_report, parse_branches, run_step


class EnvPlan(Action):
    def run(self, env_name, template=None, apps=None, branch=None, branches=None,
            requested_by=None):
        def step(lifecycle):
            return lifecycle.plan(env_name, template=template, apps=apps, branch=branch,
                                  branches=parse_branches(branches), requested_by=requested_by)
        return run_step(self, step, {"report": failure_report(env_name, template or env_name)})
