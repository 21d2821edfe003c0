"""Form layout shared by the modals: one line per field, its error just below."""

from __future__ import annotations

from textual.containers import Horizontal
from textual.content import Content
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Label, Static


def field_row(name: str, label: str, widget: Widget) -> list[Widget]:
    return [
        Horizontal(Label(Content(label), classes="label"), widget, classes="row", id=f"row-{name}"),
        Static("", classes="error", id=f"e-{name}"),
    ]


def show_error(node: DOMNode, name: str, message: str) -> None:
    """The message goes beside its field; an empty one hides the line."""
    error = node.query_one(f"#e-{name}", Static)
    error.update(Content(message))
    error.set_class(bool(message), "-shown")
    for widget in node.query(f"#f-{name}"):
        widget.set_class(bool(message), "-invalid")
