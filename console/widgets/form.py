"""A form: saving off the UI thread with a busy mark, drafts kept, closing
that asks first. Its fields' layout is console/widgets/fields.py."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from textual import on
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, OptionList, Select, TextArea
from textual.widgets.select import InvalidSelectValueError

from store.errors import RuleViolation, StaleTicket, StoreError, ValidationFailed
from store.text import clean

from ..console_app import OnConsole
from ..i18n import N_, _, ngettext
from .fields import changed_since_refused, has_error_line, show_error
from .picker import Picker
from .textfield import FieldFull


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
DraftKey = tuple[str, int | str]  # (which form, which record): where a draft is kept


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
            out[name] = widget.picked
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
            try:
                widget.value = value
            except InvalidSelectValueError:
                # The draft's choice is no longer offered (a team retired, or the
                # form was first opened before its choices were read): the field
                # keeps what it holds now rather than the form failing to open.
                pass
        elif isinstance(widget, OptionList):
            if value is not None and value < widget.option_count:
                widget.highlighted = value
        elif hasattr(widget, "picked"):
            widget.picked = value


class KeepsDrafts(OnConsole):
    """For any screen where text is typed: nothing typed is lost.

    ``remember_initial()`` once the fields hold their starting values (it
    brings back a draft kept for the same form); ``close_asking(close)`` where
    the screen would close: a changed form asks first — close and keep a draft
    (it comes back when the same form is opened on the same record again,
    until the console closes), discard, or go back to the form. A screen whose
    state is more than its fields overrides ``read_draft``/``write_draft``."""

    draft_key: DraftKey | None = None
    _initial: Draft | None = None

    def read_draft(self) -> Draft:
        return read_fields(self)  # type: ignore[arg-type]

    def write_draft(self, draft: Draft) -> None:
        write_fields(self, draft)  # type: ignore[arg-type]

    @property
    def _drafts(self) -> dict[tuple[str, DraftKey], Draft]:
        return self.app.drafts

    def _slot(self) -> tuple[str, DraftKey] | None:
        # Per person: after ctrl+u at a shared desk, the next one does not get
        # (and save under their name) what the last one typed.
        return (self.app.store.actor, self.draft_key) if self.draft_key else None

    def remember_initial(self) -> None:
        """Call once the fields hold their starting values; restores a draft if one was kept."""
        self._initial = self.read_draft()
        slot = self._slot()
        draft = self._drafts.get(slot) if slot else None
        if draft:
            self.write_draft(draft)
            self.app.notify(_("Your draft of this form was restored."), markup=False)

    def changed(self) -> bool:
        return self._initial is not None and self.read_draft() != self._initial

    def on_field_full(self, event: FieldFull) -> None:
        """A field stopped taking text at its limit: say so beside it (or in a note)."""
        event.stop()
        text = ngettext("at most {n} character: the rest was not taken",
                        "at most {n} characters: the rest was not taken", event.limit).format(n=event.limit)
        name = next(((w.id or "")[2:] for w in (event.field, *event.field.ancestors)
                     if (getattr(w, "id", None) or "").startswith("f-")), "")
        if name and has_error_line(self, name):  # type: ignore[arg-type]
            show_error(self, name, text)  # type: ignore[arg-type]
        else:
            self.app.notify(text, severity="warning", markup=False)

    def spend_draft(self) -> None:
        """Saved: the draft is spent."""
        slot = self._slot()
        if slot:
            self._drafts.pop(slot, None)

    def done_as_is(self) -> None:
        """Done with what the form holds while it stays open (an import ran):
        nothing left to keep, and esc closes at once."""
        self.spend_draft()
        self._initial = self.read_draft()

    def close_asking(self, close: Callable[[], object]) -> None:
        """Close at once if nothing was changed; otherwise ask what to do with the text."""
        if not self.changed():
            close()
            return
        from .confirm import ConfirmScreen

        slot = self._slot()
        choices = [("discard", _("Discard"), "d")]
        if slot:
            choices.insert(0, ("keep", _("Close, keep draft"), "k"))
        question = _("Close without saving?") + " " + (
            _("A draft keeps what you typed until the console is closed.") if slot else
            _("What you typed will be lost."))

        def answer(choice: str | None) -> None:
            if choice is None:
                return  # back to the form, nothing changed
            if slot:
                if choice == "keep":
                    self._drafts[slot] = self.read_draft()
                else:
                    self._drafts.pop(slot, None)
            close()

        self.app.push_screen(ConfirmScreen(question, choices), answer)


class FormModal(KeepsDrafts, ModalScreen[ResultT]):
    """A form: ctrl+s or the first button submits; esc or Back closes it,
    asking first when something was typed (see KeepsDrafts)."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Back")),
        Binding("ctrl+s", "submit", N_("Save"), priority=True),
    ]
    DEFAULT_CSS = """
    FormModal .busy { display: none; color: $warning; text-style: bold; }
    FormModal.-saving .busy { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
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
        started = getattr(self.app, "save_started", None)  # console/keys.py: keys typed after ctrl+s wait for it
        landed = started() if started is not None else None

        async def write() -> None:
            try:
                try:
                    ok, result = await run_write(call, show or self.show_errors, on_stale)
                finally:
                    self._set_saving(False)
                if ok:
                    done(result)
            finally:
                if landed is not None:
                    landed.set()

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

    def action_submit(self) -> Awaitable[None] | None:
        raise NotImplementedError

    def finish(self, result: ResultT) -> None:
        """Saved: the draft is spent."""
        self.spend_draft()
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
        if name and has_error_line(self, name) and changed_since_refused(self, name):
            show_error(self, name, "")

    @on(Picker.Picked)
    def _picked(self, event: Picker.Picked) -> None:
        """A pick list keeps its typing to itself (no Input.Changed reaches the
        form): a choice made or undone clears its error ("pick a site") too."""
        name = (event.picker.id or "")[2:]
        if name and has_error_line(self, name):
            show_error(self, name, "")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.saving:  # the write may still land: the form stays until it says how it went
            self.notify(_("Still saving: the form closes once the file has taken it."),
                        severity="warning", markup=False)
            return
        self.close_asking(lambda: self.dismiss(None))
