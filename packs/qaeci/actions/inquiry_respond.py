from qaeci import inquiry_reply
from qaeci.action_support import run_step
from qaeci.stackstorm_api import StackStormApi
from st2common.runners.base_action import Action


class InquiryRespond(Action):
    """qaeci.inquiry_respond, qaeci.inquiry_approve and qaeci.inquiry_deny (one script, three
    metadata files): approve is None for the first, True or False for the others."""

    def run(self, inquiry_id, response=None, approve=None, requested_by=""):
        return run_step(
            self,
            lambda context: inquiry_reply.respond(
                StackStormApi.from_config(context.config.values),
                inquiry_id,
                requested_by,
                response=response,
                approve=approve,
            ),
        )
