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
