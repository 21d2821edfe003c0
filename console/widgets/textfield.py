"""Text fields that take at most as many characters as the store accepts.

Typed or pasted text past the limit is not taken: what fits goes in, the
rest is dropped, and the field posts ``FieldFull`` once (the form says so beside
the field) until the text gets shorter again. Textual's own ``max_length``
refuses a whole paste that does not fit and rings the bell on every key
past it (a long burst would ring thousands of times); TextArea has no limit.

The limit also keeps typing cheap: Textual's Input measures and renders its
whole value on every key, so a field that grows without end makes each key
slower than the last (a 5,000-character burst took minutes)."""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.widgets import Input, TextArea
from textual.widgets.text_area import EditResult, Location


class FieldFull(Message):
    """A field reached its limit and dropped what did not fit."""

    def __init__(self, field: Input | TextArea, limit: int) -> None:
        super().__init__()
        self.field = field
        self.limit = limit

    @property
    def control(self) -> Input | TextArea:
        return self.field


class _Limit:
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


class TextInput(Input):
    """A one-line field of at most ``max_length`` characters (0: no limit)."""

    def __init__(self, value: str | None = None, *, max_length: int = 0, **kwargs: Any) -> None:
        super().__init__(value, **kwargs)
        self.limit = _Limit(max_length)

    def replace(self, text: str, start: int, end: int) -> None:
        start, end = sorted((max(0, start), min(len(self.value), end)))
        text, cut = self.limit.fit(text, len(self.value), end - start)
        if text or start != end:  # nothing fits and nothing goes: the key is dropped, no bell
            super().replace(text, start, end)
        if self.limit.after(cut):
            self.post_message(FieldFull(self, self.limit.limit))


class TextBox(TextArea):
    """A text box of at most ``max_length`` characters (0: no limit)."""

    def __init__(self, text: str = "", *, max_length: int = 0, **kwargs: Any) -> None:
        super().__init__(text, **kwargs)
        self.limit = _Limit(max_length)

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
