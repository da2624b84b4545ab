"""Turn one alias format into a regular expression and pull parameters out of a command.

This reproduces the behaviour of StackStorm's ActionAliasFormatParser, including the parts
users find surprising, because chat commands must extract the same values as on StackStorm:

* the format is a regular expression: ``?``, ``(``, ``.`` keep their regex meaning;
* ``{{ name }}`` becomes a lazy capture, ``{{ name=default }}`` an optional one (with the
  whitespace before it) that falls back to its default;
* ``key=value`` pairs at the end of the command are cut off first and become extra
  parameters (values may be "quoted", 'quoted' or {braced});
* the command is padded with one space on each side, and the expression is anchored with
  ``^\\s*`` and ``\\s*$`` unless the format carries its own anchors; so the literal spaces
  of the format must match exactly and a value keeps any extra leading space.
"""

import re
from typing import Dict, List, Optional

from .anchors import has_begin_anchor, has_end_anchor, parse_tokens
from .errors import FormatMismatch

# A parameter name inside {{ }} or before "=" in a trailing pair: one run of non-spaces.
_KEY = r"\s*(\S+?)\s*"
# A trailing pair's value: empty quotes, "quoted", 'quoted', {braced} or one word.
_PAIR_VALUE = r'""|\'\'|"(.+?)"|\'(.+?)\'|({.+?})|(\S+)'
# A default inside {{ name=default }}: like a pair value, but unquoted text may hold spaces.
_DEFAULT_VALUE = r'""|\'\'|"(.+?)"|\'(.+?)\'|({.+?})|(.+?)'

_PAIR = r"(?:^|\s+)" + _KEY + r"=(" + _PAIR_VALUE + r")"
_TRAILING_PAIRS = re.compile(r".*?((" + _PAIR + r"\s*)*)$", re.DOTALL)
_PAIR_RE = re.compile(_PAIR, re.DOTALL)

_OPTIONAL_PARAM = r"{{" + _KEY + r"\s*=\s*(?:" + _DEFAULT_VALUE + r")\s*}}"
_OPTIONAL_RE = re.compile(_OPTIONAL_PARAM, re.DOTALL)
_OPTIONAL_WITH_SPACE_RE = re.compile(r"(\s*)" + _OPTIONAL_PARAM)
_REQUIRED_WITH_SPACE_RE = re.compile(r"(\s*){{" + _KEY + r"}}")


def _value_capture(leading_space, name):
    """The regex for one parameter value: optional quotes around a lazy capture."""
    return (
        leading_space + "[\"']?(?P<" + name + ">"
        r"(?:(?<=').+?(?=')|(?<=\").+?(?=\")|{.+?}|.+?))[\"']?"
    )


def _joined(groups):
    return "".join(group for group in groups if group)


class CompiledFormat:
    """One format string compiled once, ready to be matched against commands.

    Raises ``re.error`` when the format is not a valid regular expression.
    """

    def __init__(self, format_string: str):
        self.format_string = format_string or ""
        self.defaults = self._defaults()
        self.regex = re.compile(self._pattern(), re.DOTALL)

    def _defaults(self) -> Dict[str, str]:
        return {found[0]: _joined(found[1:]) for found in _OPTIONAL_RE.findall(self.format_string)}

    def _pattern(self) -> str:
        pattern = _OPTIONAL_WITH_SPACE_RE.sub(
            lambda m: "(?:" + _value_capture(m.group(1), m.group(2)) + ")?", self.format_string
        )
        pattern = _REQUIRED_WITH_SPACE_RE.sub(
            lambda m: _value_capture(m.group(1), m.group(2)), pattern
        )
        tokens = parse_tokens(pattern, re.DOTALL)
        if not has_begin_anchor(tokens):
            pattern = r"^\s*" + pattern
        if not has_end_anchor(tokens):
            pattern = pattern + r"\s*$"
        return pattern

    def extract(self, command: str) -> Dict[str, Optional[str]]:
        """Parameters of the first match; raises FormatMismatch when the command does not fit."""
        stream, extras = _split_trailing_pairs(command or "")
        return self._parameters(self.regex.search(stream), stream, extras, command)

    def extract_all(self, command: str) -> List[Dict[str, Optional[str]]]:
        """One parameter set per match in the command (formats with ``match_multiple``)."""
        stream, extras = _split_trailing_pairs(command or "")
        return [
            self._parameters(found, stream, extras, command)
            for found in self.regex.finditer(stream)
        ]

    def _parameters(self, found, stream, extras, command):
        if not found:
            raise FormatMismatch(
                'Command "%s" doesn\'t match format string "%s"' % (command, self.format_string)
            )
        parameters = found.groupdict()
        for name, default in self.defaults.items():
            parameters[name] = parameters[name] or default
        parameters.update(extras)
        if self.format_string and not (stream.strip() or any(parameters.values())):
            raise FormatMismatch("No value supplied and no default value found.")
        return parameters


def _split_trailing_pairs(command):
    """Cut the trailing key=value pairs off the command; return (padded rest, pairs)."""
    trailing = _TRAILING_PAIRS.match(command).group(1)
    extras = {}
    if trailing:
        for found in _PAIR_RE.findall(trailing):
            extras[found[0]] = _joined(found[2:])
        # StackStorm removes every occurrence of the trailing text, not just the last one.
        command = command.replace(trailing, "")
    return " %s " % command, extras


def extract_parameters(format_string: str, command: str) -> Dict[str, Optional[str]]:
    """Parameters StackStorm extracts from ``command`` with ``format_string``."""
    return CompiledFormat(format_string).extract(command)
