"""Does a format's regular expression already carry a ``^`` or ``$`` anchor?

StackStorm adds ``^\\s*`` / ``\\s*$`` only when the format has no anchor of its own. It
looks for anchors in the parsed expression: at the top level, inside groups, and - a quirk
kept here because it decides what matches - only in the second alternative of a ``|``.
"""

try:  # Python 3.11+
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants
    import sre_parse

# Tuples, not sets: other tokens carry unhashable arguments, compared by equality only.
_BEGIN_ANCHORS = (
    (sre_constants.AT, sre_constants.AT_BEGINNING),
    (sre_constants.AT, sre_constants.AT_BEGINNING_STRING),
)
_END_ANCHORS = (
    (sre_constants.AT, sre_constants.AT_END),
    (sre_constants.AT, sre_constants.AT_END_STRING),
)


def parse_tokens(pattern, flags):
    """Parse a regular expression into tokens; raises ``re.error`` when it is invalid."""
    return sre_parse.parse(pattern, flags)


def has_begin_anchor(tokens):
    return _contains_anchor(tokens, _BEGIN_ANCHORS)


def has_end_anchor(tokens):
    return _contains_anchor(tokens, _END_ANCHORS)


def _contains_anchor(tokens, anchors):
    for op, argument in tokens:
        if op == sre_constants.SUBPATTERN:
            if _contains_anchor(argument[-1], anchors):
                return True
        elif op == sre_constants.BRANCH:
            alternatives = argument[1]
            if _contains_anchor(alternatives[1], anchors):
                return True
        elif (op, argument) in anchors:
            return True
    return False
