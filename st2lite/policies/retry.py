"""`action.retry`: re-run an execution that failed or timed out, with the same parameters, up to
`max_retry_count` times, `delay` seconds apart. Each attempt is a new execution whose context says
which policy retried it and how many times (context.policies.retry), as StackStorm records it."""

RETRY_ON = ("failure", "timeout")
STATUS_FOR = {"failure": "failed", "timeout": "timeout"}
MAX_DELAY_SECONDS = 600


class RetryPolicyError(ValueError):
    pass


class RetryPolicy(object):
    def __init__(self, policy):
        params = policy.get("parameters") or {}
        self.ref = policy["ref"]
        self.retry_on = params.get("retry_on", "failure")
        if self.retry_on not in RETRY_ON:
            raise RetryPolicyError(
                "policy %s: retry_on must be one of %s" % (self.ref, ", ".join(RETRY_ON))
            )
        self.max_retry_count = int(params.get("max_retry_count", 2))
        self.delay = min(float(params.get("delay", 0) or 0), MAX_DELAY_SECONDS)

    def next_context(self, execution):
        """The context of the next attempt, or None when this execution is not to be retried."""
        if execution["status"] != STATUS_FOR[self.retry_on]:
            return None
        context = dict(execution.get("context") or {})
        previous = (context.get("policies") or {}).get("retry") or {}
        count = int(previous.get("retry_count", 0))
        if count >= self.max_retry_count:
            return None
        context["policies"] = dict(
            context.get("policies") or {},
            retry={
                "applied_policy": self.ref,
                "retry_count": count + 1,
                "retried_liveaction_id": execution["id"],
            },
        )
        return context
