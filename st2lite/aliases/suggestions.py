"""Close commands for a command that matched nothing, ranked by text similarity."""

import re
from difflib import SequenceMatcher

from .formats import alias_ref, iter_format_entries

MAX_SUGGESTIONS = 5
# Below this similarity ratio a form is unrelated to the command and not worth showing.
MIN_SIMILARITY = 0.5
_PARAMETER = re.compile(r"{{\s*([^\s=}]+)[^}]*}}")


def _readable(form):
    """A form as a person compares it: parameter placeholders reduced to their names."""
    return _PARAMETER.sub(r"\1", form).lower()


def _similarity(command, form):
    return SequenceMatcher(None, command.lower().strip(), _readable(form)).ratio()


def close_candidates(aliases, command):
    """Up to MAX_SUGGESTIONS (score, ref, entry) for the forms most like ``command``."""
    scored = []
    for alias in aliases:
        for entry in iter_format_entries(alias):
            forms = [form for form in (entry.display, entry.representation) if form]
            if not forms:
                continue
            score = max(_similarity(command, form) for form in forms)
            if score >= MIN_SIMILARITY:
                scored.append((score, alias_ref(alias), entry))
    scored.sort(key=lambda item: -item[0])
    return scored[:MAX_SUGGESTIONS]
