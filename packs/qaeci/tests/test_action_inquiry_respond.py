"""inquiry_respond (and inquiry_approve / inquiry_deny, the same script): a chat user's answer to
an inquiry goes through StackStorm's API (a double on loopback) only when the inquiry's users
and roles let that user answer; every refusal is one line, and the API key is never shown."""

import os
import socket
from unittest import mock

from inquiry_respond import InquiryRespond
from qaeci_pack_testkit import QaeciActionTestCase

from tests.doubles.st2_inquiries import St2InquiriesDouble

API_KEY = "NzQ1ZDk3ZWE4YTJhNDY0OTk5ZjQ2ZWM4"
ACTION_TOKEN = "5e4b3a2f1d0c9b8a7f6e5d4c3b2a1f0e"
YES_OR_NO = {
    "type": "object",
    "properties": {
        "approve": {"type": "boolean", "description": "dev: add 3 agents", "required": True}
    },
}
ASKED = "5f0c1d2e3a4b5c6d7e8f9a0b"
ACTION_ENV = ("ST2_ACTION_API_URL", "ST2_ACTION_AUTH_TOKEN")


class InquiryRespondTestCase(QaeciActionTestCase):
    action_cls = InquiryRespond

    def setUp(self):
        super(InquiryRespondTestCase, self).setUp()
        self.api = St2InquiriesDouble(API_KEY, auth_token=ACTION_TOKEN).start()
        self.addCleanup(self.api.stop)
        self.api.add_inquiry(ASKED, YES_OR_NO)

    def answer(self, inquiry_id=ASKED, user="carol", api=None, environ=None, **parameters):
        settings = {"url": self.api.url, "api_key": API_KEY, "timeout": 5}
        settings.update(api or {})
        action = self.get_action_instance(config=self.config(st2_api=settings))
        with mock.patch.dict(os.environ, environ or {}):
            for name in set(ACTION_ENV) - set(environ or {}):
                os.environ.pop(name, None)
            outcome = action.run(inquiry_id=inquiry_id, requested_by=user, **parameters)
        self.assertNotIn(API_KEY, repr(outcome))
        self.assertNotIn(ACTION_TOKEN, repr(outcome))
        return outcome

    def action_env(self, token=ACTION_TOKEN):
        return {"ST2_ACTION_API_URL": self.api.url + "/v1", "ST2_ACTION_AUTH_TOKEN": token}

    def test_without_a_key_it_answers_with_the_actions_url_and_token(self):
        ok, result = self.answer(
            api={"url": None, "api_key": None}, environ=self.action_env(), approve=True
        )
        self.assertTrue(ok, result)
        self.assertEqual(self.api.answers, [(ASKED, {"approve": True}, "qaeci-bot")])
        ok, result = self.answer(
            api={"url": None, "api_key": None}, environ=self.action_env("ended"), approve=True
        )
        self.assertFalse(ok)
        self.assertTrue(
            result["error"].startswith(
                "the StackStorm API at %s/v1 refused the action's token ST2_ACTION_AUTH_TOKEN "
                "(HTTP 401: Unauthorized - Token not found.)" % self.api.url
            ),
            result["error"],
        )

    def test_a_configured_key_wins_over_the_actions_token(self):
        ok, result = self.answer(environ=self.action_env("not-a-valid-token"), approve=True)
        self.assertTrue(ok, result)

    def test_approve_and_deny_answer_the_yes_or_no_question(self):
        ok, result = self.answer(approve=True)
        self.assertTrue(ok, result)
        self.assertEqual(
            (result["answer"], result["user"], result["question"]),
            ("approved", "carol", "dev: add 3 agents"),
        )
        self.api.add_inquiry("second", YES_OR_NO)
        ok, result = self.answer("second", approve=False)
        self.assertTrue(ok, result)
        self.assertEqual(result["answer"], "denied")
        self.assertEqual(
            self.api.answers,
            [(ASKED, {"approve": True}, "qaeci-bot"), ("second", {"approve": False}, "qaeci-bot")],
        )

    def test_any_answer_its_schema_takes(self):
        self.api.add_inquiry(
            "free", {"type": "object", "properties": {"ticket": {"type": "string"}}}
        )
        ok, result = self.answer("free", response={"ticket": "OPS-12"})
        self.assertTrue(ok, result)
        self.assertEqual(self.api.answers, [("free", {"ticket": "OPS-12"}, "qaeci-bot")])

    def test_approve_refuses_an_inquiry_that_asks_more_than_yes_or_no(self):
        schema = {
            "type": "object",
            "properties": {"approve": {"type": "boolean"}, "reason": {"type": "string"}},
            "required": ["approve", "reason"],
        }
        self.api.add_inquiry("why", schema)
        self.assertRefused(
            self.answer("why", approve=True),
            "inquiry why does not ask one yes-or-no question (it asks for approve, reason); "
            "fix: answer with inquiry respond why {...} giving what its schema asks "
            "(see st2 inquiry get why)",
        )
        self.assertEqual(self.api.answers, [])

    def test_a_user_the_inquiry_does_not_list_is_refused_and_nothing_is_sent(self):
        self.api.add_inquiry("ops-only", YES_OR_NO, users=["alice", "qaeci-bot"])
        self.assertRefused(
            self.answer("ops-only", user="mallory", approve=True),
            "mallory may not answer inquiry ops-only: only alice, qaeci-bot may (its users); "
            "fix: ask one of them",
        )
        self.assertNotIn(("PUT", "/v1/inquiries/ops-only"), self.api.requests)
        ok, result = self.answer("ops-only", user="alice", approve=True)
        self.assertTrue(ok, result)

    def test_roles_count_only_with_rbac_as_on_stackstorm(self):
        self.api.add_inquiry("admins", YES_OR_NO, roles=["ops"])
        ok, result = self.answer("admins", user="mallory", approve=True)  # RBAC off
        self.assertTrue(ok, result)
        self.api.rbac = True
        self.api.role_assignments = {"alice": ["ops"], "mallory": ["observer"]}
        self.api.add_inquiry("admins2", YES_OR_NO, roles=["ops"])
        self.assertRefused(
            self.answer("admins2", user="mallory", approve=True),
            "mallory may not answer inquiry admins2: it needs one of the roles ops, which "
            "mallory has not (StackStorm RBAC); fix: ask someone who has one",
        )
        ok, result = self.answer("admins2", user="alice", approve=True)
        self.assertTrue(ok, result)

    def test_when_the_keys_account_may_not_answer_the_fix_names_the_config_key(self):
        self.api.add_inquiry("alice-only", YES_OR_NO, users=["alice"])
        self.assertRefused(
            self.answer("alice-only", user="alice", approve=True),
            "the StackStorm API would not take the answer from the account of st2_api.api_key "
            '(User "qaeci-bot" does not have permission to respond to inquiry "alice-only".); '
            "fix: add that account to the inquiry's users or roles, or set st2_api.api_key to "
            "a key of one that may answer",
        )

    def test_unknown_and_answered_inquiries_are_refused(self):
        self.assertRefused(
            self.answer("nope", approve=True),
            'no inquiry nope waits for an answer (Inquiry "nope" is not found.); fix: copy the '
            "id from the question posted in chat, or list the waiting ones with "
            "`st2 inquiry list` (or `st2lite inquiry list`)",
        )
        self.assertTrue(self.answer(approve=True)[0])
        self.assertRefused(
            self.answer(approve=False),
            'inquiry %s cannot be answered: Inquiry "%s" has already been responded to.'
            % (ASKED, ASKED),
        )
        self.assertEqual(len(self.api.answers), 1)

    def test_a_bad_id_or_answer_is_one_line(self):
        ok, result = self.answer("a b", approve=True)
        self.assertFalse(ok)
        self.assertIn("'a b' is not an inquiry id", result["error"])
        ok, result = self.answer(response=["yes"])
        self.assertFalse(ok)
        self.assertIn("is a JSON object", result["error"])

    def test_config_and_api_failures_say_which_key_to_set(self):
        self.assertRefused(
            self.answer(api={"api_key": ""}, approve=True),
            "pack config has no st2_api.api_key and the action was given no "
            "ST2_ACTION_AUTH_TOKEN (StackStorm gives one to every action; st2lite while "
            "`st2lite serve` runs); fix: create a key with `st2 apikey create -k` (or "
            "`st2lite apikey create`) and set st2_api.api_key in configs/qaeci.yaml",
        )
        ok, result = self.answer(api={"api_key": "wrong-key"}, approve=True)
        self.assertFalse(ok)
        self.assertTrue(
            result["error"].startswith(
                "the StackStorm API at %s/v1 refused st2_api.api_key (HTTP 401" % self.api.url
            ),
            result["error"],
        )
        self.assertNotIn("wrong-key", result["error"])
        closed = _closed_port()
        ok, result = self.answer(api={"url": "http://127.0.0.1:%d" % closed}, approve=True)
        self.assertFalse(ok)
        self.assertTrue(
            result["error"].startswith(
                "cannot reach the StackStorm API at http://127.0.0.1:%d/v1 within 5s" % closed
            ),
            result["error"],
        )
        self.assertIn("fix: set st2_api.url", result["error"])
        self.assertEqual(self.api.answers, [])


def _closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port
