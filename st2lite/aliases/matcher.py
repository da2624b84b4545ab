"""Pick the one alias format a chat command matches, as StackStorm's alias matching does.

StackStorm tries every representation of every enabled alias. Aliases with a format that is
not ``match_multiple`` are tried first; only when none of their formats matches are the
aliases with a ``match_multiple`` format tried. More than one matching representation in a
round is an error (ambiguity), never a guess - even when one format is a prefix of another.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .compiled import compile_representation
from .errors import AmbiguousMatch, FormatMismatch, NoMatch
from .formats import FormatEntry, alias_ref, iter_format_entries
from .suggestions import close_candidates


@dataclass
class AliasMatch:
    alias: Dict[str, Any]
    ref: str
    representation: str
    parameters: Dict[str, Optional[str]]
    display: Optional[str] = None
    match_multiple: bool = False
    # One parameter set per execution StackStorm would start: a match_multiple format
    # yields one per occurrence in the command, any other format exactly one.
    parameter_sets: List[Dict[str, Optional[str]]] = field(default_factory=list)

    def to_dict(self):
        return {
            "alias": self.ref,
            "representation": self.representation,
            "parameters": self.parameters,
        }


@dataclass
class _Hit:
    alias: Dict[str, Any]
    entry: FormatEntry
    parameters: Dict[str, Optional[str]]


def match_command(aliases, text) -> AliasMatch:
    """The AliasMatch for ``text``; raises NoMatch or AmbiguousMatch."""
    enabled = [alias for alias in aliases if alias.get("enabled", True) is not False]
    for round_aliases in _rounds(enabled):
        hits = _matching_formats(round_aliases, text)
        if len(hits) > 1:
            raise _ambiguous(text, hits)
        if hits:
            return _to_match(hits[0], text)
    raise _no_match(enabled, text)


def _rounds(aliases):
    single = [a for a in aliases if any(not e.match_multiple for e in iter_format_entries(a))]
    multiple = [a for a in aliases if any(e.match_multiple for e in iter_format_entries(a))]
    return [single, multiple]


def _matching_formats(aliases, text) -> List[_Hit]:
    hits = []
    for alias in aliases:
        for entry in iter_format_entries(alias):
            compiled = compile_representation(entry.representation, "alias %s" % alias_ref(alias))
            try:
                hits.append(_Hit(alias, entry, compiled.extract(text)))
            except FormatMismatch:
                continue
    return hits


def _to_match(hit, text) -> AliasMatch:
    if hit.entry.match_multiple:
        compiled = compile_representation(
            hit.entry.representation, "alias %s" % alias_ref(hit.alias)
        )
        parameter_sets = compiled.extract_all(text)
    else:
        parameter_sets = [hit.parameters]
    return AliasMatch(
        alias=hit.alias,
        ref=alias_ref(hit.alias),
        representation=hit.entry.representation,
        parameters=hit.parameters,
        display=hit.entry.display,
        match_multiple=hit.entry.match_multiple,
        parameter_sets=parameter_sets,
    )


def _candidate(ref, entry):
    return {"alias": ref, "representation": entry.representation}


def _ambiguous(text, hits):
    candidates = [_candidate(alias_ref(hit.alias), hit.entry) for hit in hits]
    listed = ", ".join('%s "%s"' % (c["alias"], c["representation"]) for c in candidates)
    return AmbiguousMatch(
        'Command "%s" matches %d alias formats (%s); reword it so that only one matches, '
        "or make the formats distinct" % (text, len(hits), listed),
        candidates,
    )


def _no_match(aliases, text):
    if not aliases:
        return NoMatch('No action alias matches "%s": no enabled aliases are loaded' % text, [])
    close = close_candidates(aliases, text)
    candidates = [_candidate(ref, entry) for _, ref, entry in close]
    if not close:
        return NoMatch(
            'No action alias matches "%s" and no command is similar; list the '
            "commands with their help to see what is available" % text,
            [],
        )
    shown = []
    for _, _, entry in close:
        form = entry.display or entry.representation
        if form not in shown:
            shown.append(form)
    return NoMatch(
        'No action alias matches "%s". Did you mean: %s?'
        % (text, ", ".join('"%s"' % form for form in shown)),
        candidates,
    )
