"""BaseActionAliasTestCase: tests that chat commands match an alias's formats and extract the
parameters StackStorm would extract (st2lite's alias parser reproduces StackStorm's)."""

from st2tests.alias_loader import format_strings, load_alias
from st2tests.errors import PackTestSetupError
from st2tests.pack_resource import BasePackResourceTestCase

from st2lite.aliases import extract_parameters
from st2lite.aliases.errors import FormatMismatch

__all__ = ["BaseActionAliasTestCase"]


class BaseActionAliasTestCase(BasePackResourceTestCase):
    action_alias_name = None
    action_alias_db = None

    def setUp(self):
        super(BaseActionAliasTestCase, self).setUp()
        if not self.action_alias_name:
            raise PackTestSetupError(
                '"action_alias_name" class attribute needs to be provided: '
                "set it to the name: of one of the pack's aliases"
            )
        self.action_alias_db = load_alias(self._get_base_pack_path(), self.action_alias_name)

    def assertCommandMatchesExactlyOneFormatString(self, format_strings, command):
        """The command matches exactly one of the given format strings."""
        matched = [
            format_string for format_string in format_strings if _matches(format_string, command)
        ]
        if not matched:
            raise AssertionError(
                'Command "%s" didn\'t match any of the provided format strings' % command
            )
        if len(matched) > 1:
            raise AssertionError(
                'Command "%s" matched multiple format strings: %s' % (command, ", ".join(matched))
            )

    def assertExtractedParametersMatch(self, format_string, command, parameters):
        """The format string is one of this alias's, and extracting with it from the command
        gives exactly `parameters` (values as text, as StackStorm extracts them)."""
        available = format_strings(self.action_alias_db)
        if format_string not in available:
            raise PackTestSetupError(
                'Format string "%s" is not available on the alias "%s": '
                "use one of %s" % (format_string, self.action_alias_name, available)
            )
        try:
            extracted = extract_parameters(format_string, command)
        except FormatMismatch as error:
            raise AssertionError(str(error)) from None
        if extracted != parameters:
            message = (
                'Extracted parameters from command string "%s" against format string '
                '"%s" didn\'t match the provided parameters: ' % (command, format_string)
            )
            try:
                self.assertEqual(extracted, parameters)
            except AssertionError as difference:
                message += str(difference)
            raise AssertionError(message)


def _matches(format_string, command):
    try:
        extract_parameters(format_string, command)
    except FormatMismatch:
        return False
    return True
