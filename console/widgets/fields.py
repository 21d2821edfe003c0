"""One line per field, its error just below: the layout every form shares
(console/widgets/form.py is the form itself: saving, drafts, closing)."""

from __future__ import annotations

from typing import Any

from textual.containers import Horizontal
from textual.content import Content
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static, TextArea

from ..console_app import OnConsole
from ..i18n import _

BUSY_MARK = "⧗"



class FieldLabel(Label):
    """A field's label after two marker cells, so neither state relies on
    colour alone: "▶" while the field has the focus, "✗" while it is refused."""

    def __init__(self, text: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text = text
        self.focused = False
        self.invalid = False
        self._show()

    def set_marks(self, *, focused: bool | None = None, invalid: bool | None = None) -> None:
        before = (self.focused, self.invalid)
        if focused is not None:
            self.focused = focused
        if invalid is not None:
            self.invalid = invalid
        if (self.focused, self.invalid) != before:
            self._show()  # a repaint (and a layout) only when a mark changes, not on every key

    def _show(self) -> None:
        marks = ("▶" if self.focused else " ") + ("✗" if self.invalid else " ") + " "
        self.update(Content(marks + self.text))


class FieldRow(OnConsole, Horizontal):
    """One label and its field; ``-focused`` while the focus is anywhere in it
    (a picker's input or its list), ``-has-error`` while the field is refused."""

    @property
    def label(self) -> FieldLabel:
        return self.query_one(FieldLabel)

    def on_descendant_focus(self) -> None:
        self._sync_focus()

    def on_descendant_blur(self) -> None:
        self._sync_focus()

    def _sync_focus(self) -> None:
        # The screen's focus is already moved when these events arrive.
        focused = self.has_focus_within
        self.set_class(focused, "-focused")
        self.label.set_marks(focused=focused)


def field_row(name: str, label: str, widget: Widget) -> list[Widget]:
    """A label and its field, and the field's error line below them. An empty
    text field shows a placeholder: its tint and underline alone are not seen
    in every terminal (NO_COLOR, 16 colours), and a box that shows nothing
    reads as a label with no field."""
    if isinstance(widget, Input | TextArea) and not widget.placeholder:
        widget.placeholder = _("type here")
    return [
        FieldRow(FieldLabel(label, classes="label"), widget, classes="row", id=f"row-{name}"),
        Static("", classes="error", id=f"e-{name}"),
    ]


def has_error_line(node: DOMNode, name: str) -> bool:
    """Whether the form has an error line for this field. By id, which Textual
    caches: called on every key typed, where a ``query()`` walks the whole form."""
    try:
        node.query_one(f"#e-{name}", Static)
    except NoMatches:
        return False
    return True


def _field_value(node: DOMNode, name: str) -> object:
    """What the field ``#f-{name}`` holds now (None: no such field)."""
    for widget in node.query(f"#f-{name}"):
        return widget.text if isinstance(widget, TextArea) else getattr(widget, "value", None)
    return None


def changed_since_refused(node: DOMNode, name: str) -> bool:
    """Whether the field holds something other than what its error was said
    for. A Changed handled after the save that refused the text (keys in one
    burst, as SSH delivers them: the last key's Changed reaches the form after
    ctrl+s) is about that same text, and the reason stays beside it."""
    error = node.query_one(f"#e-{name}", Static)
    return not error.has_class("-shown") or _field_value(node, name) != getattr(error, "refused", None)


def show_error(node: DOMNode, name: str, message: str) -> None:
    """The message goes beside its field; an empty one hides the line. The
    field and its label are marked too (✗), not only coloured. Clearing a line
    that is already clear costs nothing: it is called on every key typed."""
    error = node.query_one(f"#e-{name}", Static)
    if not message and not error.has_class("-shown"):
        return
    error.refused = _field_value(node, name) if message else None  # type: ignore[attr-defined]
    error.update(Content(message))
    error.set_class(bool(message), "-shown")
    if message and name == "general":
        # Below the fields: on a short terminal the form scrolls, and a
        # conflict or refusal said out of sight is not said at all.
        error.call_after_refresh(error.scroll_visible, animate=False)
    for widget in node.query(f"#f-{name}"):
        widget.set_class(bool(message), "-invalid")
    for row in node.query(f"#row-{name}"):
        row.set_class(bool(message), "-has-error")
        if isinstance(row, FieldRow):
            row.label.set_marks(invalid=bool(message))


def form_footer(save_label: str, back_label: str | None = None) -> list[Widget]:
    """The general error line, the busy mark (shown while a save waits for
    the file) and the buttons, named by what they do."""
    return [
        Static("", classes="error", id="e-general"),
        Static(Content(BUSY_MARK + " " + _("Saving… waiting for the file (keys still work)")), classes="busy", id="busy"),
        Horizontal(
            Button(save_label, variant="primary", id="save", compact=True),
            Button(back_label or _("Back (esc)"), id="cancel", compact=True),
            classes="buttons",
        ),
    ]


