from qaeci import plan_step
from qaeci.action_support import parse_branches, run_step
from st2common.runners.base_action import Action


class EnvPlan(Action):
    def run(
        self, env_name, template=None, apps=None, branch=None, branches=None, requested_by=None
    ):
        def step(context):
            return plan_step.plan(
                context,
                env_name,
                template=template,
                apps=apps,
                branch=branch,
                branches=parse_branches(branches),
                requested_by=requested_by,
            )

        return run_step(self, step)
