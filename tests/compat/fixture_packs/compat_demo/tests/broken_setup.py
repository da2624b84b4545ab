"""Test cases set up wrongly: each must ERROR with a one-line message saying what to fix."""

from st2tests.base import BaseActionAliasTestCase, BaseActionTestCase


class NoActionClassTestCase(BaseActionTestCase):
    def test_anything(self):
        pass


class UnknownAliasTestCase(BaseActionAliasTestCase):
    action_alias_name = "no_such_alias"

    def test_anything(self):
        pass


class UnknownFormatTestCase(BaseActionAliasTestCase):
    action_alias_name = "greet"

    def test_format_not_on_the_alias(self):
        self.assertExtractedParametersMatch("wave {{ name }}", "wave bob", {"name": "bob"})
