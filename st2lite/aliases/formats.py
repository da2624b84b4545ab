"""The two shapes of an alias format, normalised to (display, representation) entries.

A format is either a plain string (its own display and its only representation) or a
mapping with a ``display`` help text and a ``representation`` list of matchable strings.
"""

from typing import Iterator, NamedTuple, Optional

from .errors import AliasValidationError


class FormatEntry(NamedTuple):
    display: Optional[str]
    representation: str
    match_multiple: bool


def alias_ref(alias):
    return alias.get("ref") or "%s.%s" % (alias.get("pack"), alias.get("name"))


def iter_format_entries(alias) -> Iterator[FormatEntry]:
    """Yield one entry per representation, in the order StackStorm tries them."""
    for alias_format in alias.get("formats") or []:
        if isinstance(alias_format, str):
            yield FormatEntry(alias_format, alias_format, False)
            continue
        if not isinstance(alias_format, dict):
            raise AliasValidationError(
                "alias %s: formats: %r is neither a string nor a mapping with display and "
                "representation" % (alias_ref(alias), alias_format)
            )
        display = alias_format.get("display")
        representations = alias_format.get("representation") or []
        if isinstance(representations, str):
            representations = [representations]
        match_multiple = alias_format.get("match_multiple") is True
        if display and not representations:
            # StackStorm still lists a display-only format, as the empty representation.
            yield FormatEntry(display, "", match_multiple)
        for representation in representations:
            yield FormatEntry(display, representation, match_multiple)
