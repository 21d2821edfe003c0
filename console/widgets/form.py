"""Form layout shared by the modals: one line per field, its error just below."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Label, Static

from store.errors import RuleViolation, StaleTicket, StoreError, ValidationFailed
from store.text import clean

from ..i18n import _


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
        if focused is not None:
            self.focused = focused
        if invalid is not None:
            self.invalid = invalid
        self._show()

    def _show(self) -> None:
        marks = ("▶" if self.focused else " ") + ("✗" if self.invalid else " ") + " "
        self.update(Content(marks + self.text))


class FieldRow(Horizontal):
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
    return [
        FieldRow(FieldLabel(label, classes="label"), widget, classes="row", id=f"row-{name}"),
        Static("", classes="error", id=f"e-{name}"),
    ]


def show_error(node: DOMNode, name: str, message: str) -> None:
    """The message goes beside its field; an empty one hides the line. The
    field and its label are marked too (✗), not only coloured."""
    error = node.query_one(f"#e-{name}", Static)
    error.update(Content(message))
    error.set_class(bool(message), "-shown")
    for widget in node.query(f"#f-{name}"):
        widget.set_class(bool(message), "-invalid")
    for row in node.query(f"#row-{name}"):
        row.set_class(bool(message), "-has-error")
        if isinstance(row, FieldRow):
            row.label.set_marks(invalid=bool(message))


def form_footer(save_label: str) -> list[Widget]:
    """The general error line and the Save / Cancel buttons."""
    return [
        Static("", classes="error", id="e-general"),
        Horizontal(
            Button(save_label, variant="primary", id="save", compact=True),
            Button(_("Cancel (esc)"), id="cancel", compact=True),
            classes="buttons",
        ),
    ]


async def run_write(
    call: Callable[[], Any],
    show: Callable[[dict[str, str], str], None],
    on_stale: Callable[[StaleTicket], None] | None = None,
) -> tuple[bool, Any]:
    """Run a store write off the UI thread; map each refusal to the field it
    concerns (or the general line). The form keeps everything typed."""
    try:
        return True, await asyncio.to_thread(call)
    except ValidationFailed as exc:
        show(exc.errors, "")
    except StaleTicket as exc:
        show({}, str(exc))
        if on_stale is not None:
            on_stale(exc)
    except RuleViolation as exc:
        show({exc.field: str(exc)} if exc.field else {}, "" if exc.field else str(exc))
    except StoreError as exc:
        show({}, str(exc))
    except Exception as exc:  # never let a surprise close the form and lose what was typed
        show({}, _("Not saved: {error}").format(error=clean(f"{type(exc).__name__}: {exc}", single_line=True)))
    return False, None


ResultT = TypeVar("ResultT")


class FormModal(ModalScreen[ResultT]):
    """A form: esc or Cancel closes it with no result, ctrl+s or Save submits."""

    BINDINGS = [
        Binding("escape", "cancel", _("Cancel")),
        Binding("ctrl+s", "submit", _("Save"), priority=True),
    ]

    async def action_submit(self) -> None:
        raise NotImplementedError

    @on(Button.Pressed, "#save")
    async def _save_pressed(self) -> None:
        await self.action_submit()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
