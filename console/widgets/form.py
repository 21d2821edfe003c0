"""Form layout shared by the modals: one line per field, its error just below."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, OptionList, Select, Static, TextArea

from store.errors import RuleViolation, StaleTicket, StoreError, ValidationFailed
from store.text import clean

from ..i18n import N_, _


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


BUSY_MARK = "⧗"


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
Draft = dict[str, Any]


def fields(node: DOMNode) -> list[Widget]:
    """The form's fields: the widgets whose id is ``f-<name>``."""
    return [w for w in node.query("*") if (w.id or "").startswith("f-")]


def read_fields(node: DOMNode) -> Draft:
    """What the user has typed or picked, by field name (widgets with id ``f-<name>``)."""
    out: Draft = {}
    for widget in fields(node):
        name = (widget.id or "")[2:]
        if isinstance(widget, Input):
            out[name] = widget.value
        elif isinstance(widget, TextArea):
            out[name] = widget.text
        elif isinstance(widget, Select):
            out[name] = widget.value
        elif isinstance(widget, OptionList):
            out[name] = widget.highlighted
        elif hasattr(widget, "picked"):  # a Picker: the choice and the text shown
            out[name] = widget.picked  # type: ignore[attr-defined]
    return out


def write_fields(node: DOMNode, values: Draft) -> None:
    for widget in fields(node):
        name = (widget.id or "")[2:]
        if name not in values:
            continue
        value = values[name]
        if isinstance(widget, Input):
            widget.value = value
        elif isinstance(widget, TextArea):
            widget.text = value
        elif isinstance(widget, Select):
            widget.value = value
        elif isinstance(widget, OptionList):
            if value is not None and value < widget.option_count:
                widget.highlighted = value
        elif hasattr(widget, "picked"):
            widget.picked = value  # type: ignore[attr-defined]


class FormModal(ModalScreen[ResultT]):
    """A form: ctrl+s or the first button submits; esc or Back closes it.

    Nothing typed is lost: closing a changed form asks first, and what was
    typed can stay as a draft that comes back when the same form is opened on
    the same ticket again in this session (after a conflict or a refusal the
    form itself stays open with its contents)."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Back")),
        Binding("ctrl+s", "submit", N_("Save"), priority=True),
    ]
    DEFAULT_CSS = """
    FormModal .busy { display: none; color: $warning; text-style: bold; }
    FormModal.-saving .busy { display: block; }
    """
    draft_key: tuple[str, int] | None = None  # (form, ticket id): where its draft is kept

    def __init__(self) -> None:
        super().__init__()
        self._initial: Draft | None = None
        self.saving = False  # a write of this form is on its way to the file

    def save(self, call: Callable[[], Any], done: Callable[[Any], None],
             show: Callable[[dict[str, str], str], None] | None = None,
             on_stale: Callable[[StaleTicket], None] | None = None) -> None:
        """Write in a thread (console/background.py): the form shows the busy
        mark and keeps answering keys while the write waits for another
        dispatcher's; a second submit meanwhile is refused, not queued. The
        outcome lands as with ``run_write``: ``done(result)`` once saved, each
        refusal beside its field."""
        if self.still_saving():
            return
        self._set_saving(True)

        async def write() -> None:
            try:
                ok, result = await run_write(call, show or self.show_errors, on_stale)
            finally:
                self._set_saving(False)
            if ok:
                done(result)

        self.run_worker(write(), group="save", exit_on_error=True)

    def still_saving(self) -> bool:
        """A save is on its way: say so (a second submit is refused, not queued)."""
        if self.saving:
            self.notify(_("Still saving: the file is busy with another dispatcher's change."),
                        severity="warning", markup=False)
        return self.saving

    def _set_saving(self, on: bool) -> None:
        self.saving = on
        self.set_class(on, "-saving")

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        """Each refusal beside its field; forms with fields of their own say which."""
        show_error(self, "general", " ".join([general, *errors.values()]).strip())

    @property
    def drafts(self) -> dict[tuple[str, int], Draft]:
        return self.app.drafts  # type: ignore[attr-defined,no-any-return]

    def remember_initial(self) -> None:
        """Call once the fields hold their starting values; restores a draft if one was kept."""
        self._initial = read_fields(self)
        draft = self.drafts.get(self.draft_key) if self.draft_key else None
        if draft:
            write_fields(self, draft)
            self.notify(_("Your draft for this ticket was restored."), markup=False)

    def changed(self) -> bool:
        return self._initial is not None and read_fields(self) != self._initial

    def action_submit(self) -> Awaitable[None] | None:
        raise NotImplementedError

    def finish(self, result: ResultT) -> None:
        """Saved: the draft is spent."""
        if self.draft_key:
            self.drafts.pop(self.draft_key, None)
        self.dismiss(result)

    @on(Button.Pressed, "#save")
    async def _save_pressed(self) -> None:
        await self.run_action("submit")  # a form's submit may be async (a question read first)

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _corrected(self, event: Message) -> None:
        """An error goes away as soon as its field is changed."""
        widget = getattr(event, "control", None) or getattr(event, "text_area", None)
        name = (getattr(widget, "id", None) or "")[2:]
        if name and self.query(f"#e-{name}"):
            show_error(self, name, "")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.saving:  # the write may still land: the form stays until it says how it went
            self.notify(_("Still saving: the form closes once the file has taken it."),
                        severity="warning", markup=False)
            return
        if not self.changed():
            self.dismiss(None)
            return
        from ..screens.confirm import ConfirmScreen

        choices = [("discard", _("Discard"), "d")]
        if self.draft_key:
            choices.insert(0, ("keep", _("Close, keep draft"), "k"))
        question = _("Close without saving?") + " " + (
            _("A draft keeps what you typed until the console is closed.") if self.draft_key else
            _("What you typed will be lost."))

        def answer(choice: str | None) -> None:
            if choice is None:
                return  # back to the form, nothing changed
            if self.draft_key:
                if choice == "keep":
                    self.drafts[self.draft_key] = read_fields(self)
                else:
                    self.drafts.pop(self.draft_key, None)
            self.dismiss(None)

        self.app.push_screen(ConfirmScreen(question, choices), answer)
