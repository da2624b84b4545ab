"""A chat user's answer to an inquiry (core.ask), sent through StackStorm's API as `st2 inquiry
respond` sends it: GET /inquiries/ID, then PUT /inquiries/ID {"id", "response"}.

The API key acts as its own account, and StackStorm checks that account against the inquiry's
`users` and `roles`. The person who typed the command in chat is another: this module checks
them the way StackStorm's inquiry service checks a requester (both `users` and `roles` must
pass; roles only count where RBAC is enabled, as without RBAC every user has every role) before
anything is sent.

approve/deny turn into the inquiry's one yes-or-no question ({"approve": true} for
cluster_scale_out's), so the chat user needs to know nothing of its schema."""

import urllib.parse

from qaeci.errors import QaeciError
from qaeci.stackstorm_api import ApiRefused

LIST_HINT = "`st2 inquiry list` (or `st2lite inquiry list`)"


class InquiryRefused(QaeciError):
    """One line: why this answer was not sent or not taken, and what to do instead."""


def respond(api, inquiry_id, user, response=None, approve=None):
    """Answer the inquiry as USER: `approve` (True/False) for a yes-or-no question, else
    `response` (the JSON object its schema asks for). The answer, as the alias shows it."""
    inquiry_id = _checked_id(inquiry_id)
    inquiry = pending(api, inquiry_id)
    check_user(api, inquiry, user)
    if approve is not None:
        response, question = yes_or_no(inquiry, approve)
        answer = "approved" if approve else "denied"
    else:
        response, question, answer = _object(inquiry_id, response), "", "answered"
    _send(api, inquiry_id, response)
    return {
        "inquiry": inquiry_id,
        "answer": answer,
        "response": response,
        "user": user or "",
        "question": question,
    }


def pending(api, inquiry_id):
    """The inquiry ({id, schema, users, roles, route, ttl}) while it waits for an answer."""
    try:
        return api.get(_path(inquiry_id))
    except ApiRefused as refused:
        if refused.status == 404:
            raise InquiryRefused(
                "no inquiry %s waits for an answer (%s); fix: copy the id from the question "
                "posted in chat, or list the waiting ones with %s"
                % (inquiry_id, refused.faultstring, LIST_HINT)
            ) from refused
        if refused.status == 400:  # answered already, timed out, or not an inquiry
            raise InquiryRefused(
                "inquiry %s cannot be answered: %s" % (inquiry_id, refused.faultstring)
            ) from refused
        raise


def check_user(api, inquiry, user):
    """InquiryRefused unless USER passes the inquiry's `users` and `roles`."""
    users = inquiry.get("users") or []
    if users and user not in users:
        raise InquiryRefused(
            "%s may not answer inquiry %s: only %s may (its users); fix: ask one of them"
            % (user or "an unknown user", inquiry["id"], ", ".join(users))
        )
    roles = inquiry.get("roles") or []
    if roles and not _has_a_role(api, user, roles):
        raise InquiryRefused(
            "%s may not answer inquiry %s: it needs one of the roles %s, which %s has not "
            "(StackStorm RBAC); fix: ask someone who has one"
            % (user or "an unknown user", inquiry["id"], ", ".join(roles), user or "they")
        )


def yes_or_no(inquiry, approve):
    """({the one boolean property: approve}, its description) for an inquiry that asks one
    yes-or-no question; InquiryRefused, naming the generic command, for any other."""
    properties = (inquiry.get("schema") or {}).get("properties") or {}
    booleans = [name for name, spec in properties.items() if _is_boolean(spec)]
    others = [name for name in _required(inquiry.get("schema") or {}) if name not in booleans]
    if len(booleans) != 1 or others:
        raise InquiryRefused(
            "inquiry %s does not ask one yes-or-no question (it asks for %s); fix: answer with "
            "inquiry respond %s {...} giving what its schema asks (see st2 inquiry get %s)"
            % (
                inquiry["id"],
                ", ".join(sorted(properties)) or "nothing",
                inquiry["id"],
                inquiry["id"],
            )
        )
    name = booleans[0]
    return {name: bool(approve)}, str(properties[name].get("description") or "")


def _send(api, inquiry_id, response):
    try:
        api.put(_path(inquiry_id), {"id": inquiry_id, "response": response})
    except ApiRefused as refused:
        if refused.status == 403:
            raise InquiryRefused(
                "the StackStorm API would not take the answer from the account of %s (%s); "
                "fix: add that account to the inquiry's users or roles, or set st2_api.api_key "
                "to a key of one that may answer"
                % (api.credential_described_as, refused.faultstring)
            ) from refused
        if refused.status in (400, 404):
            raise InquiryRefused(
                "inquiry %s did not take the answer: %s" % (inquiry_id, refused.faultstring)
            ) from refused
        raise


def _has_a_role(api, user, roles):
    """Without RBAC every user has every role (StackStorm's no-op RBAC backend); with it, the
    user's role assignments decide."""
    rbac = (api.get("/user") or {}).get("rbac") or {}
    if not rbac.get("enabled"):
        return True
    if not user:
        return False
    assignments = api.get("/rbac/role_assignments?user=" + urllib.parse.quote(user, safe=""))
    held = {assignment.get("role") for assignment in assignments or []}
    return bool(held & set(roles))


def _is_boolean(spec):
    kind = spec.get("type") if isinstance(spec, dict) else None
    return kind == "boolean" or (isinstance(kind, list) and "boolean" in kind)


def _required(schema):
    """Names a response must give: draft 4's `required` list and draft 3's `required: true`
    on a property (core.ask's default schema uses the latter), less those with a default."""
    properties = schema.get("properties") or {}
    names = set(schema.get("required") or []) if isinstance(schema.get("required"), list) else set()
    names.update(
        name
        for name, spec in properties.items()
        if isinstance(spec, dict) and spec.get("required") is True
    )
    return sorted(
        name
        for name in names
        if not (isinstance(properties.get(name), dict) and "default" in properties[name])
    )


def _object(inquiry_id, response):
    if not isinstance(response, dict):
        raise InquiryRefused(
            "an answer to inquiry %s is a JSON object, as in "
            'inquiry respond %s {"approve": true}; fix: write it so' % (inquiry_id, inquiry_id)
        )
    return response


def _checked_id(inquiry_id):
    text = str(inquiry_id or "").strip()
    if not text or any(char.isspace() or char in "/?#" for char in text):
        raise InquiryRefused(
            "%r is not an inquiry id; fix: copy the id from the question posted in chat, or "
            "list the waiting ones with %s" % (inquiry_id, LIST_HINT)
        )
    return text


def _path(inquiry_id):
    return "/inquiries/" + urllib.parse.quote(inquiry_id, safe="")
