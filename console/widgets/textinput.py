"""Text fields that take at most as many characters as the store accepts.

Typed or pasted text past the limit is not taken: what fits goes in, the
rest is dropped, and the field posts ``FieldFull`` once (the form says so beside
the field) until the text gets shorter again. Textual's own ``max_length``
refuses a whole paste that does not fit and rings the bell on every key
past it (a long burst would ring thousands of times).

The limit also keeps typing cheap: Textual's Input measures and renders its
whole value on every key, so a field that grows without end makes each key
slower than the last (a 5,000-character burst took minutes).

A field keeps exactly what was typed (a zero-width joiner, a direction mark)
and shows it cleaned (store/text.py ``in_place``), each grapheme in the cells
rich measured it in (``in_cells``), so the cursor and the selection stay
where Textual puts them.

This module loads no TextArea (the console's first screen has a search
field but no text box: tests/test_lazy_console.py); the box is in textfield.py."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len, set_cell_size, split_graphemes
from rich.segment import Segment
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input

from store.text import in_place


class FieldFull(Message):
    """A field reached its limit and dropped what did not fit."""

    def __init__(self, field: Widget, limit: int) -> None:
        super().__init__()
        self.field = field
        self.limit = limit

    @property
    def control(self) -> Widget:
        return self.field


class Limit:
    """The limit and the "said so" flag: ``FieldFull`` is posted once per overflow,
    again only after an edit that was not cut (a deletion, say)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.said = False

    def fit(self, text: str, length: int, replaced: int) -> tuple[str, bool]:
        """What of ``text`` fits in a field of ``length`` characters when
        ``replaced`` of them give way, and whether some was dropped."""
        if not self.limit:
            return text, False
        room = max(0, self.limit - (length - replaced))
        return (text[:room], True) if len(text) > room else (text, False)

    def after(self, cut: bool) -> bool:
        """True when the form should be told (the first cut since the last clean edit)."""
        tell = cut and not self.said
        self.said = cut
        return tell


def shown(strip: Strip) -> Strip:
    """The line as the terminal may see it: the same cells, nothing that acts on it."""
    segments = list(strip)
    if all(in_place(seg.text) is seg.text for seg in segments):
        return strip  # (the usual case: nothing to drop, nothing copied)
    return Strip([Segment(in_cells(seg.text), seg.style, seg.control) for seg in segments], strip.cell_length)


def in_cells(text: str) -> str:
    """``text`` cleaned (store/text.py ``in_place``), each grapheme in the
    cells rich measured it in, since the cursor and the line's width were
    placed by rich: "❤\ufe0f" is two cells, shown "❤ "; a joined
    "👩\u200d👩\u200d👧" is two, shown as its first emoji (terminals disagree
    on joined sequences, none on one emoji)."""
    spans, _width = split_graphemes(text)
    out = []
    for start, end, width in spans:
        grapheme = in_place(text[start:end])
        if cell_len(grapheme) != width:
            grapheme = set_cell_size(grapheme, width) if cell_len(grapheme[:1]) <= width else " " * width
        out.append(grapheme)
    shown = "".join(out)
    if cell_len(shown) != cell_len(text):  # a stray joiner can make rich's two counts differ
        shown = set_cell_size(in_place(text), cell_len(text))
    return shown


class TextInput(Input):
    """A one-line field of at most ``max_length`` characters (0: no limit)."""

    def __init__(self, value: str | None = None, *, max_length: int = 0, **kwargs: Any) -> None:
        super().__init__(value, **kwargs)
        self.limit = Limit(max_length)

    def replace(self, text: str, start: int, end: int) -> None:
        start, end = sorted((max(0, start), min(len(self.value), end)))
        text, cut = self.limit.fit(text, len(self.value), end - start)
        if text or start != end:  # nothing fits and nothing goes: the key is dropped, no bell
            super().replace(text, start, end)
        if self.limit.after(cut):
            self.post_message(FieldFull(self, self.limit.limit))

    def render_line(self, y: int) -> Strip:
        return shown(super().render_line(y))
