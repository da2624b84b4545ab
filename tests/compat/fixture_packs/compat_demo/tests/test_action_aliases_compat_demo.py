from st2tests.base import BaseActionAliasTestCase


class GreetAliasTestCase(BaseActionAliasTestCase):
    action_alias_name = "greet"

    def test_the_alias_is_loaded_from_the_pack(self):
        self.assertEqual(self.action_alias_db["ref"], "compat_demo.greet")
        self.assertEqual(self.action_alias_db["action_ref"], "compat_demo.greet")

    def test_each_command_matches_one_format(self):
        formats = ["greet {{ name }}", "hello {{ name }} {{ count=1 }} times", "hi {{ name }}"]
        self.assertCommandMatchesExactlyOneFormatString(formats, "greet bob")
        self.assertCommandMatchesExactlyOneFormatString(formats, "hello bob 3 times")
        self.assertCommandMatchesExactlyOneFormatString(formats, "hi bob")

    def test_parameters_are_extracted_as_stackstorm_extracts_them(self):
        self.assertExtractedParametersMatch("greet {{ name }}", "greet bob", {"name": "bob"})
        self.assertExtractedParametersMatch(
            "hello {{ name }} {{ count=1 }} times",
            "hello bob 3 times",
            {"name": "bob", "count": "3"},
        )
        self.assertExtractedParametersMatch(
            "hello {{ name }} {{ count=1 }} times", "hello bob times", {"name": "bob", "count": "1"}
        )
        self.assertExtractedParametersMatch(
            "greet {{ name }}", "greet bob extra=x", {"name": "bob", "extra": "x"}
        )
