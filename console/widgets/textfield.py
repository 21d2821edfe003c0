"""A text box that takes at most as many characters as the store accepts
and shows what it holds cleaned, as a TextInput does (textinput.py): Textual's
TextArea has no limit at all."""

from __future__ import annotations

from typing import Any

from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import EditResult, Location

from .textinput import FieldFull, Limit, TextInput, shown

__all__ = ["FieldFull", "TextBox", "TextInput"]


class TextBox(TextArea):
    """A text box of at most ``max_length`` characters (0: no limit)."""

    def __init__(self, text: str = "", *, max_length: int = 0, **kwargs: Any) -> None:
        super().__init__(text, **kwargs)
        self.limit = Limit(max_length)

    # Typing, enter and paste come through here, deletions through the other
    # (Textual 8.2.8, pinned); a text set by the form itself (a prefill, a
    # draft) through neither.
    def _replace_via_keyboard(self, insert: str, start: Location, end: Location) -> EditResult | None:
        cut = False
        if self.limit.limit:
            insert, cut = self.limit.fit(insert, len(self.text), len(self.get_text_range(start, end)))
        result = super()._replace_via_keyboard(insert, start, end) if insert or start != end else None
        if self.limit.after(cut):
            self.post_message(FieldFull(self, self.limit.limit))
        return result

    def _delete_via_keyboard(self, start: Location, end: Location) -> EditResult | None:
        self.limit.after(False)
        return super()._delete_via_keyboard(start, end)

    def render_line(self, y: int) -> Strip:
        return shown(super().render_line(y))
