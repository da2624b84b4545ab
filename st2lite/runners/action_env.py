"""The variables StackStorm's runner container gives every python and local-shell action
(st2common's `_get_common_action_env_variables`): the pack, the execution id, the API's URL, an
auth token of the execution's user, so an action can call the API as that user, and the
`debug` runner parameter ("True" or "False").

The URL is that of an `st2lite serve` of the same state directory while one runs (this process
or another, told by the runtime registry); without one, URL and token are empty. The token is
issued for the action's timeout and deleted when the action ends, as StackStorm deletes the
token of a finished action; it is never written anywhere but the action's environment.
"""

import contextlib

from st2lite.store.credentials import CredentialStore

PACK_NAME = "ST2_ACTION_PACK_NAME"
EXECUTION_ID = "ST2_ACTION_EXECUTION_ID"
API_URL = "ST2_ACTION_API_URL"
AUTH_TOKEN = "ST2_ACTION_AUTH_TOKEN"
DEBUG = "ST2_ACTION_DEBUG"


@contextlib.contextmanager
def action_env(request, timeout):
    """The variables, valid while the with-block runs (the action's run)."""
    runtime = request.runtime
    api_url = runtime.runtimes.api_url() or ""
    variables = {
        PACK_NAME: request.action["pack"],
        EXECUTION_ID: str(request.execution_id),
        API_URL: api_url,
        AUTH_TOKEN: "",
        # the `debug` runner parameter, written as Python writes a bool, as StackStorm does
        DEBUG: str(bool(request.parameters.get("debug", False))),
    }
    user = (request.context or {}).get("user")
    if not api_url or not user:
        yield variables
        return
    credentials = CredentialStore(runtime.db)
    token_id, token, _expiry = credentials.issue_token(user, timeout)
    try:
        yield dict(variables, **{AUTH_TOKEN: token})
    finally:
        credentials.delete_token(token_id)
