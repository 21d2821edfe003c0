"""Click's own user-visible words, listed so that extraction puts them in our
catalogue (console/cli/common.py points click's ``_`` and ``ngettext`` at
ours). The msgids are exactly click's (8.x source, ``_("…")`` and
``ngettext("…", "…")`` in click/*.py): a changed one in a later click simply
shows in English until it is added here. Nothing imports this module; its
texts are never translated here."""

from __future__ import annotations

from store.i18n import N_, ngettext

CLICK_WORDS = [
    # help pages (formatting.py, core.py, decorators.py)
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Positional arguments"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("%(prog)s, version %(version)s"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("(dynamic)"),
    N_("required"),  # core.py: _(extra["required"]), the msgid set a few lines before
    N_("deprecated"),
    N_("DeprecationWarning: The command {name!r} is deprecated.{extra_message}"),
    N_("DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}"),
    # errors (exceptions.py, core.py, parser.py)
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("Missing command."),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Option {name!r} does not take a value."),
    N_("Argument {name!r} takes {nargs} values."),
    N_("Invalid start character for option ({option})"),
    N_("Could not open file {filename!r}: {message}"),
    N_("unknown error"),
    N_("Aborted!"),
    # values (types.py)
    N_("Choose from:\n\t{choices}"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{value!r} is not a valid UUID."),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("{name} {filename!r} is not executable."),
    # TRANSLATORS: click upper-cases these as the metavar in --help (PATH, like TEXT and INTEGER, which click never
    # translates): keep them Latin capitals, a Chinese word would misalign the option column.
    N_("file"),
    N_("directory"),
    N_("path"),
    # prompts (termui.py)
    N_("Repeat for confirmation"),
    N_("Error: The two entered values do not match."),
    N_("Error: invalid input"),
    N_("Do you want to continue?"),
    N_("Press any key to continue..."),
    N_("Confirm the action without prompting."),
    N_("{editor}: Editing failed"),
    N_("{editor}: Editing failed: {e}"),
]


def _plurals() -> None:
    """Never called: click's plural msgids, for extraction (keyword ngettext:1,2)."""
    ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 1)
    ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 1)
    ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 1)
    ngettext("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given.", 1)
    ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 1)
    ngettext("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}.", 1)
    ngettext("{len_type} values are required, but {len_value} was given.",
             "{len_type} values are required, but {len_value} were given.", 1)
