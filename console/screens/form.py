"""A generic modal form for one ticket action: validates in the store and
shows each error beside its field, keeping everything typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Select, Static, TextArea

from store.errors import MoveRefused, StaleTicket
from store.rules.stated import later_today

from ..background import in_thread, one_line, read
from ..i18n import _
from ..settings import apply_blink
from ..widgets.fields import field_row, form_footer, show_error
from ..widgets.form import DraftKey, FormModal, run_write
from ..widgets.textfield import TextBox, TextInput


@dataclass
class Field:
    name: str
    label: str
    kind: Literal["input", "select", "text"] = "input"
    options: list[tuple[str, Any]] = field(default_factory=list)
    value: Any = None
    placeholder: str = ""
    max_length: int = 0  # the store's limit (store/limits.py): the field takes no more
    stated_time: bool = False  # when a step happened (store/rules/stated.py): a time not come yet today is asked about


class ActionForm(FormModal[Any]):
    """``submit(values, version)`` runs in a thread; it returns the result or raises."""

    def __init__(
        self, title: str, fields: list[Field], submit: Callable[[dict[str, Any], int], Any],
        version: int, *, hint: str = "", on_conflict: Callable[[], None] | None = None,
        save_label: str | None = None, draft_key: DraftKey | None = None,
        recheck: Callable[[], str | None] | None = None,
        confirm: Callable[[dict[str, Any]], str | None] | None = None,
        keep_draft: bool = True,
        reads: bool = False,
    ) -> None:
        """``recheck`` (run in a thread after a conflict) says why the action is
        no longer allowed in the ticket's new state, or None. ``confirm`` (in a
        thread, before saving) returns a question the user must answer yes to
        (a fee above the ceiling), or None. A draft is kept under ``draft_key``,
        by default the title (it names the form and its record, "Carry over
        ticket #12's callback"); ``keep_draft=False`` is for a one-line prompt
        (go to ticket) that esc simply closes. ``reads``: ``submit`` only reads
        (go to ticket): awaited, with no busy mark (a read never waits on a
        write), so keys typed after enter land where it leads."""
        super().__init__()
        self.form_title = title
        self.fields = fields
        self.submit_fn = submit
        self.version = version
        self.hint = hint
        self.on_conflict = on_conflict
        self.save_label = save_label or _("Save (ctrl+s)")
        self.draft_key = (draft_key or ("form", title)) if keep_draft else None
        self.keep_draft = keep_draft
        self.recheck = recheck
        self.confirm = confirm
        self.reads = reads

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form"):
            yield Static(Content(self.form_title), classes="title")
            if self.hint:
                yield Static(Content(self.hint), classes="hint")
            for f in self.fields:
                widget: Widget
                if f.kind == "select":
                    widget = Select(f.options, value=f.value if f.value is not None else Select.NULL,
                                    allow_blank=f.value is None, id=f"f-{f.name}", compact=True,
                                    prompt=_("Choose…"))  # Textual's own prompt is English
                elif f.kind == "text":
                    widget = TextBox(f.value or "", max_length=f.max_length, id=f"f-{f.name}", soft_wrap=True,
                                     compact=True)
                else:
                    widget = TextInput(f.value or "", max_length=f.max_length, placeholder=f.placeholder,
                                       id=f"f-{f.name}", compact=True)
                yield from field_row(f.name, f.label, widget)
            yield from form_footer(self.save_label)

    def on_mount(self) -> None:
        apply_blink(self)
        if self.fields:
            first = self.query_one(f"#f-{self.fields[0].name}")
            first.focus()
            if isinstance(first, TextArea) and first.text:
                first.select_all()  # a prefilled text is replaced by typing, kept by moving
        else:
            self.query_one("#save").focus()
        self.remember_initial()

    def changed(self) -> bool:
        return self.keep_draft and super().changed()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            w = self.query_one(f"#f-{f.name}")
            if isinstance(w, Select):
                out[f.name] = None if w.value is Select.NULL else w.value
            elif isinstance(w, TextArea):
                out[f.name] = w.text
            elif isinstance(w, Input):
                out[f.name] = w.value
        return out

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        names = {f.name for f in self.fields}
        extra = [f"{k}: {v}" for k, v in errors.items() if k not in names]
        for f in self.fields:
            show_error(self, f.name, errors.get(f.name, ""))
        show_error(self, "general", " ".join([general, *extra]).strip())

    @on(Input.Submitted)
    async def _enter(self) -> None:
        await self.run_action("submit")

    async def action_submit(self) -> None:
        if self.still_saving():
            return
        values = self.values()
        for f in self.fields:
            if f.stated_time and await self._ask_yesterday(f.name, values):
                return  # asked: the answer goes on (or back to the form)
        await self._confirm_and_save(values)

    async def _ask_yesterday(self, name: str, values: dict[str, Any]) -> bool:
        """A time of day later than now ("21:00" at 19:04) is not taken as
        yesterday's silently: the form asks, and on yes writes yesterday's
        date into the field (what is saved is what is shown)."""
        store = self.app.store
        text = values.get(name) or ""
        # A read (the site's zone and time), awaited: a 'y' typed right after ctrl+s answers the question.
        try:
            yesterday, tz, now = await read(
                lambda: (later_today(text, store.settings.timezone, store.now()), store.settings.timezone, store.now()))
        except Exception as exc:
            show_error(self, "general", one_line(exc))
            return True
        if yesterday is None:
            return False
        from ..widgets.confirm import ConfirmScreen

        explicit = yesterday.format("YYYY-MM-DD HH:mm")
        question = _("{time} has not come yet today (it is {now}). Yesterday, {day}?").format(
            time=yesterday.format("HH:mm"), now=now.in_timezone(tz).format("HH:mm"), day=explicit)

        async def answered(choice: str | None) -> None:
            if choice == "yes":
                field = self.query_one(f"#f-{name}", Input)
                with field.prevent(Input.Changed):  # its Changed would clear the answer to this save
                    field.value = explicit
                await self._confirm_and_save({**values, name: explicit})

        self.app.push_screen(ConfirmScreen(question, [("yes", _("Yes, yesterday"), "y")]), answered)
        return True

    async def _confirm_and_save(self, values: dict[str, Any]) -> None:
        if self.reads:
            ok, result = await run_write(lambda: self.submit_fn(values, self.version), self.show_errors)
            if ok:
                self.finish(result)
            return
        confirm = self.confirm
        if confirm is None:
            self._save(values)
            return
        # A read (a setting), awaited: a 'y' typed right after ctrl+s answers the question.
        try:
            question = await read(lambda: confirm(values))
        except Exception as exc:
            show_error(self, "general", one_line(exc))
            return
        if not question:
            self._save(values)
            return
        from ..widgets.confirm import ConfirmScreen

        def answered(choice: str | None) -> None:
            if choice == "save":
                self._save(values)

        self.app.push_screen(ConfirmScreen(question, [("save", _("Save"), "y")]), answered)

    def _save(self, values: dict[str, Any]) -> None:
        self.save(lambda: self.submit_fn(values, self.version), self.finish, self.show_errors, self._stale)

    def _stale(self, exc: StaleTicket) -> None:
        self.version = exc.version  # the next save applies to what is there now
        if self.on_conflict:
            self.on_conflict()
        if self.recheck is not None and not isinstance(exc, MoveRefused):  # that one says why already
            message = str(exc)

            def said(refused: str | None) -> None:
                """The form stays open with what was typed; say if the new state refuses it."""
                if refused:
                    show_error(self, "general", message + " " + _("Now: {why}").format(why=refused))

            in_thread(self, self.recheck, said, lambda error: said(one_line(error)), group="recheck")
