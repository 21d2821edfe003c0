"""How click's help reads in our languages: click's own words through our
catalogue, the usage line's generic pieces translated, help text measured in
terminal cells and broken as Chinese is (never before closing punctuation),
and a command's one-line summary cut at a Chinese sentence's end.

These reach into click's internals (8.x); each step checks they are there,
so a later click shows help as it would without them, never an error."""

from __future__ import annotations

import re
from typing import Any

import click

from store.i18n import _, ngettext


def _click_gettext(message: str) -> str:
    return _(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return ngettext(singular, plural, n)


def route_click_words() -> None:
    """Click's own words ("Usage:", "Options", "Show this message and exit.",
    "Error: …", "No such option …") come from a module-level ``_`` (and
    ``ngettext``) in each click module, bound to the standard library's
    gettext with its "messages" domain, which has no catalogue for us. Point
    them at ours instead: functions, so the language is read at each call.
    Their msgids are listed for extraction in console/cli/click_words.py."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.shell_completion
    import click.termui
    import click.types
    import click.utils

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser,
                   click.shell_completion, click.termui, click.types, click.utils):
        if hasattr(module, "_"):
            module._ = _click_gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext  # type: ignore[attr-defined]


def forget_help_options(command: click.Command) -> None:
    """Click (8.1.8+) builds each command's --help option once and keeps it,
    its help text in the language of that first call: forget them, so the
    next call builds them in the language in use then."""
    if getattr(command, "_help_option", None) is not None:
        command._help_option = None
    for sub in getattr(command, "commands", {}).values():
        forget_help_options(sub)


def usage_words() -> dict[str, str]:
    """Click writes a usage line's generic pieces as fixed English text, not
    through gettext: ours in the language in force. Argument names (LOGIN,
    DEST) stay, as the help text names them."""
    return {"[OPTIONS]": _("[OPTIONS]"), "[COMMAND] [ARGS]...": _("[COMMAND] [ARGS]..."),
            "COMMAND [ARGS]...": _("COMMAND [ARGS]...")}


def translate_usage() -> None:
    """``format_usage`` as click's own, with the pieces translated (click.Command
    and every group: click.Group does not override it)."""

    def format_usage(self: click.Command, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        words = usage_words()
        formatter.write_usage(ctx.command_path, " ".join(words.get(p, p) for p in self.collect_usage_pieces(ctx)))

    click.Command.format_usage = format_usage  # type: ignore[method-assign]


# Characters a terminal draws two cells wide, and where a line of them may break.
_WIDE_RUN = re.compile(r"([\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef])")
# Never at the start of a line (closing punctuation), never at the end (opening).
_CLOSING = set("。，、）：；！？」』》】〕％")
_OPENING = set("（「『《【〔")


def keep_punctuation(pieces: list[str]) -> list[str]:
    """Pieces a line may break between, with closing punctuation glued to the
    piece before it and opening punctuation to the piece after (Chinese line
    breaking rules, 禁则): a lone "。" never starts a line."""
    out: list[str] = []
    for piece in pieces:
        if out and piece in _CLOSING and not out[-1].isspace():
            out[-1] += piece
        elif out and out[-1] and out[-1][-1] in _OPENING and not piece.isspace():
            out[-1] += piece
        else:
            out.append(piece)
    return out


def wrap_in_cells() -> None:
    """Click wraps help text by counting characters, and breaks lines only at
    spaces: a Chinese sentence (no spaces, two cells a character) ran past the
    terminal's edge. Its wrapper measures through one function (``term_len``)
    and splits words in one method: measure in cells, and let a line break
    between any two wide characters. Click internals: if they move, help text
    is still right, only wrapped as before."""
    try:
        import click._textwrap as textwrap_mod
        import click.formatting
        from click._compat import _ansi_re
    except ImportError:
        return
    if not hasattr(textwrap_mod, "term_len") or not hasattr(click.formatting, "term_len"):
        return

    def cells(text: str) -> int:
        from rich.cells import cell_len  # only when help is laid out: a command's run never loads rich

        return cell_len(_ansi_re.sub("", text))

    split = textwrap_mod.TextWrapper._split

    def split_wide(self: Any, text: str) -> list[str]:
        return keep_punctuation([piece for chunk in split(self, text) for piece in _WIDE_RUN.split(chunk) if piece])

    textwrap_mod.term_len = cells
    click.formatting.term_len = cells
    textwrap_mod.TextWrapper._split = split_wide  # type: ignore[method-assign]


def _pauses(text: str) -> tuple[list[int], list[int]]:
    """Where a shortened summary may end: after a Chinese pause mark or before
    an opening bracket, else at a space; never inside brackets."""
    depth = 0
    marks: list[int] = []
    spaces: list[int] = []
    for i, ch in enumerate(text):
        if ch in "（(":
            if depth == 0:
                marks.append(i)
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "。；，、：":
            marks.append(i + 1)
        elif depth == 0 and ch == " ":
            spaces.append(i)
    return marks, spaces


def short_help_in_cells(help_text: str, limit: int = 45) -> str | None:
    """A command's line in its group's list, for Chinese help: click ends the
    first sentence only at an ASCII ".", counts characters and cuts at spaces,
    so a Chinese summary came out as "--from 至 --to...". The first sentence
    (up to "。"), else cut at the last pause that fits ``limit`` cells.
    None for text with no wide characters: click's own rule."""
    if not _WIDE_RUN.search(help_text):
        return None
    from rich.cells import cell_len

    text = " ".join(help_text.partition("\n\n")[0].split()).removeprefix("\b").strip()
    first, stop, _rest = text.partition("。")
    text = first + stop
    if cell_len(text) <= limit:
        return text
    width = end = 0
    while width + cell_len(text[end]) <= limit - 3:  # the longest start that leaves room for "..."
        width += cell_len(text[end])
        end += 1
    fits = text[:end]
    marks, spaces = _pauses(fits + text[len(fits):len(fits) + 1])
    pauses = [i for i in marks if len(fits) // 3 <= i <= len(fits)] or [
        i for i in spaces if len(fits) // 3 <= i <= len(fits)]
    cut = fits[:pauses[-1]] if pauses else fits
    return cut.rstrip("，、：；") + "..."


def shorten_in_cells() -> None:
    """A group's command list takes each summary from ``_make_default_short_help``."""
    import click.core

    original = getattr(click.core, "_make_default_short_help", None)
    if original is None:
        return

    def make_short_help(help: str, max_length: int = 45) -> str:  # click's own parameter names
        short = short_help_in_cells(help, max_length)
        return original(help, max_length) if short is None else short

    click.core._make_default_short_help = make_short_help  # type: ignore[attr-defined]


def shape_click_help() -> None:
    """All of the above, once, when the ``dispatch`` group is defined."""
    route_click_words()
    translate_usage()
    wrap_in_cells()
    shorten_in_cells()
