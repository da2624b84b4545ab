"""The command list a chat help command shows: one line per format with a display text."""

from .formats import alias_ref


def list_commands(aliases):
    """[{"ref", "display", "description"}] for the enabled aliases, in their order.

    As StackStorm's alias help: a string format is its own display; a mapping format shows
    its ``display``, and one without a display is not listed.
    """
    commands = []
    for alias in aliases:
        if alias.get("enabled", True) is False:
            continue
        for alias_format in alias.get("formats") or []:
            display = alias_format if isinstance(alias_format, str) else alias_format.get("display")
            if display:
                commands.append(
                    {
                        "ref": alias_ref(alias),
                        "display": display,
                        "description": alias.get("description"),
                    }
                )
    return commands
