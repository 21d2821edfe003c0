"""Untrusted text for display: nothing in it may act on the terminal.

The original text is stored untouched; this is applied when showing it.
Every function here is linear in the text it is given (and ``limit`` bounds
how much of it is looked at), so a name of a million characters costs what
its first few hundred do.
"""

from __future__ import annotations

import re

# C0 controls except NUL, tab and newline, DEL, and C1 (0x80–0x9F): ESC
# sequences, OSC 52 clipboard writes, bell, etc. must never reach the terminal raw.
_CONTROL = re.compile(r"[\x01-\x08\x0b-\x1f\x7f-\x9f]")
# Invisible characters that move or reorder what follows them, dropped:
# - bidi controls (U+202A–202E embeddings and overrides, U+2066–2069 isolates,
#   U+200E/200F marks, U+061C Arabic letter mark) would make "#12 Alice" read
#   as something else, or reverse the columns after a field;
# - zero-width characters (U+200B–200D incl. the joiner, U+2060–2064, U+FEFF,
#   U+180E, soft hyphen U+00AD) and variation selectors (U+FE00–FE0F,
#   U+E0100–E01EF): terminals disagree on how wide a joined emoji sequence
#   is (one glyph, or each emoji), and rich's measure follows neither, so a
#   column after "👩‍👩‍👧" drifts. Without joiners each emoji is drawn and
#   counted as itself: two cells everywhere.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufe00-\ufe0f\ufeff\U000e0100-\U000e01ef]")
# Line and paragraph separators end a line like a newline (terminals do not
# break on them, which would let two lines pass for one).
_BREAKS = re.compile("[\u2028\u2029]")
# NUL would end the text in a C string (some terminals, some logs): shown, so
# nothing after it is silently hidden.
NUL_SYMBOL = "␀"
CUT = "…"
# How much of one value a screen looks at: a one-line cell (a queue column,
# the board, the status bar) is never wider than a terminal; a field of the
# detail screen shows what its form accepts (a description: 4,000). Past
# these, the text is cut with '…' (the CLI's JSON output has it all).
LINE_LIMIT = 1000
BLOCK_LIMIT = 4000


def clean(text: str | None, *, single_line: bool = False, limit: int | None = None) -> str:
    """``text`` safe for a terminal. ``single_line``: every run of white space
    (newlines too) becomes one space. ``limit``: look at only the first
    ``limit`` characters, ending the result with '…' when there was more
    (for a cell that will be cut anyway)."""
    if not text:
        return ""
    cut = limit is not None and len(text) > limit
    if cut:
        text = text[:limit]
    text = _BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", _CONTROL.sub("", text)).replace("\x00", NUL_SYMBOL)
    if single_line:
        text = " ".join(text.split())
    return text + CUT if cut else text


# What ``in_place`` drops: all of it takes no cell (rich and terminals
# agree), but the soft hyphen, which takes one and is shown as a space.
_UNSEEN = re.compile(f"{_CONTROL.pattern}|{_INVISIBLE.pattern}|{_BREAKS.pattern}|\x00")


def in_place(text: str) -> str:
    """``text`` safe for a terminal, every other character left in its cell:
    for a field being edited, whose cursor and selection are placed by
    counting cells. What ``clean`` drops is dropped; nothing is replaced
    by something wider (NUL is not shown as '␀', lines are not joined)."""
    if not _UNSEEN.search(text):
        return text
    return _UNSEEN.sub(lambda m: " " if m.group() == "\u00ad" else "", text)


def indented(text: str, indent: int) -> str:
    """Lines after the first start ``indent`` spaces in, so a multi-line value
    cannot pass for more fields (a line "Technician  Mallory" in a description)."""
    return text.replace("\n", "\n" + " " * indent)
