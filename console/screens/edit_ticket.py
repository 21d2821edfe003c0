"""Edit a ticket: correct what was taken down at intake. Every field starts
with what the ticket says; only what was changed is sent, and each change is
audited old → new. A priority change needs a reason and moves the deadlines.
Saved on a version someone changed since, their changes to other fields are
kept (a toast says which); the same field changed to another value opens
edit_conflict.py to choose theirs, yours or the original, per field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Input, Select, Static, TextArea

from store.errors import EditConflict, StaleTicket, StoreError
from store.inputs import NewTicket
from store.labels import CATEGORIES, category_label, priority_label
from store.limits import EDIT_REASON_MAX, max_length
from store.models import Ticket
from store.repo.ticket_edit import Edited
from store.rules.history import field_label
from store.text import clean

from ..background import read
from ..i18n import _
from ..settings import apply_blink
from ..widgets.fields import field_row, form_footer, show_error
from ..widgets.form import FormModal
from ..widgets.picker import Picker
from ..widgets.textfield import TextBox, TextInput
from .edit_conflict import ConflictRow, EditConflictScreen

FIELDS = ("priority", "reason", "category", "reporter", "phone", "site_id", "equipment_id", "description")


class EditTicketScreen(FormModal[Ticket | None]):
    def __init__(self, ticket: Ticket, on_conflict: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.ticket = ticket
        self.version = ticket.version
        self.site_id: int | None = ticket.site_id
        self.on_conflict = on_conflict
        self.draft_key = ("edit", ticket.id)


    def _search_sites(self, text: str) -> list[tuple[int, str]]:
        return [(s.id, f"{s.code} {s.name}") for s in self.store.reference.sites(text, limit=8)]

    def _search_equipment(self, text: str) -> list[tuple[int, str]]:
        return [(e.id, f"{e.asset_tag}  {category_label(e.category)}  {e.model}")
                for e in self.store.reference.equipment(self.site_id, text, limit=8)]

    def compose(self) -> ComposeResult:
        t = self.ticket
        with VerticalScroll(classes="form"):
            yield Static(Content(_("Edit #{id}").format(id=t.id)), classes="title")
            yield Static(Content(_("A priority change recomputes the deadlines from the report time "
                                   "and needs a reason.")), classes="hint")
            yield from field_row("priority", _("Priority"), Select(
                [(priority_label(p), p) for p in (1, 2, 3, 4)], value=t.priority, allow_blank=False,
                id="f-priority", compact=True))
            yield from field_row("reason", _("Priority reason"), TextInput(
                id="f-reason", compact=True, max_length=EDIT_REASON_MAX))
            yield from field_row("category", _("Category"), Select(
                [(category_label(c), c) for c in CATEGORIES], value=t.category, allow_blank=False,
                id="f-category", compact=True))
            yield from field_row("reporter", _("Reporter"), TextInput(
                t.reporter, id="f-reporter", compact=True, max_length=max_length(NewTicket, "reporter")))
            yield from field_row("phone", _("Phone"), TextInput(
                t.phone, id="f-phone", compact=True, max_length=max_length(NewTicket, "phone")))
            yield from field_row("site_id", _("Site (type to search)"),
                                 Picker(self._search_sites, _("branch name or code"), id="f-site_id"))
            yield from field_row("equipment_id", _("Equipment (optional)"),
                                 Picker(self._search_equipment, _("asset tag, model or category"), id="f-equipment_id"))
            yield from field_row("description", _("Fault description"),
                                 TextBox(t.description, id="f-description", soft_wrap=True, compact=True,
                                         max_length=max_length(NewTicket, "description")))
            yield from form_footer(_("Save changes (ctrl+s)"))

    def on_mount(self) -> None:
        apply_blink(self)
        t = self.ticket
        _preset(self.query_one("#f-site_id", Picker), t.site_id, t.site_name)
        _preset(self.query_one("#f-equipment_id", Picker), t.equipment_id, t.equipment_tag or "")
        self.query_one("#f-priority").focus()
        self.remember_initial()

    def on_picker_picked(self, event: Picker.Picked) -> None:
        if event.picker.id != "f-site_id":
            return
        self.site_id = event.value
        equipment = self.query_one("#f-equipment_id", Picker)
        if event.value != self.ticket.site_id and equipment.value is not None:
            equipment.clear()  # the old site's equipment is not at the new one

    def values(self) -> dict[str, Any]:
        return {
            "priority": self.query_one("#f-priority", Select).value,
            "category": self.query_one("#f-category", Select).value,
            "reporter": self.query_one("#f-reporter", Input).value,
            "phone": self.query_one("#f-phone", Input).value,
            "site_id": self.query_one("#f-site_id", Picker).value,
            "equipment_id": self.query_one("#f-equipment_id", Picker).value,
            "description": self.query_one("#f-description", TextArea).text,
        }

    def changes(self) -> dict[str, Any]:
        """Only what differs from the ticket: an untouched field is not re-validated or audited."""
        t = self.ticket
        return {k: v for k, v in self.values().items()
                if v != getattr(t, k) and not (isinstance(v, str) and v.strip() == str(getattr(t, k) or "").strip())}

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        extra = [f"{k}: {v}" for k, v in errors.items() if k not in FIELDS]
        for name in FIELDS:
            show_error(self, name, errors.get(name, ""))
        show_error(self, "general", " ".join([general, *extra]).strip())

    def action_submit(self) -> None:
        if self.still_saving():
            return
        changes = self.changes()
        reason = self.query_one("#f-reason", Input).value
        tid, version, store = self.ticket.id, self.version, self.app.store

        def edit() -> Edited | EditConflict:
            """A conflict is an answer here, not a refusal: the person chooses (edit_conflict.py)."""
            try:
                return store.tickets.edit(tid, version, changes, reason=reason)
            except EditConflict as exc:
                return exc

        self.save(edit, self._saved, self.show_errors, self._stale)

    def _saved(self, result: Edited | EditConflict) -> None:
        if isinstance(result, EditConflict):
            self.run_worker(self._ask(result), group="reload", exclusive=True)
            return
        merged = result.merged
        if merged is not None and merged.fields:
            self.app.notify(_("merged with {by}'s change: {fields}").format(
                by=clean(", ".join(merged.by), single_line=True, limit=60),
                fields=", ".join(field_label(k) for k in merged.fields)), markup=False)
        self.finish(result.ticket)

    async def _ask(self, exc: EditConflict) -> None:
        """Theirs, yours and the original of each field in conflict, side by side."""
        store, tid = self.store, self.ticket.id
        try:
            fresh = await read(lambda: store.tickets.ticket(tid))
        except StoreError as error:
            show_error(self, "general", str(error))
            return
        before, typed, theirs = shown_as(self.ticket), self.read_draft(), shown_as(fresh)
        rows = [ConflictRow(k, field_label(k), _words(k, before[k]), _words(k, theirs[k]), _words(k, typed[k]))
                for k in exc.conflicts]

        def chosen(choice: dict[str, str] | None) -> None:
            if choice is None:  # back to the form: everything typed is still there
                show_error(self, "general", str(exc))
                return
            pick = {"theirs": theirs, "yours": typed, "original": before}
            values = {k: pick[choice[k]][k] if k in choice else typed[k] if typed[k] != before.get(k) else theirs[k]
                      for k in typed}
            self.ticket, self.version = fresh, fresh.version
            self.write_draft(values)
            self.site_id = self.query_one("#f-site_id", Picker).value
            self._initial = theirs  # esc still asks about what was typed
            if not self.changes():
                self.app.notify(_("Nothing to save: the ticket keeps {by}'s values.").format(
                    by=clean(", ".join(exc.by), single_line=True, limit=60)), markup=False)
                self.finish(fresh)
                return
            self.action_submit()  # versioned again: a third change meanwhile asks again

        self.app.push_screen(EditConflictScreen(tid, ", ".join(exc.by), rows), chosen)

    def _stale(self, exc: StaleTicket) -> None:
        self.version = exc.version  # the next save applies to what is there now
        if self.on_conflict:
            self.on_conflict()
        self.run_worker(self._reload(), group="reload", exclusive=True)

    async def _reload(self) -> None:
        """The message says the ticket was reloaded: the fields say so too.
        Each field the user left as it was shows the ticket as it is now;
        what was typed or picked stays. A save then sends only what differs
        from the reloaded ticket, so another dispatcher's change is kept."""
        store, tid = self.store, self.ticket.id
        try:
            fresh = await read(lambda: store.tickets.ticket(tid))
        except StoreError:
            return  # the message already says what happened
        before, now = shown_as(self.ticket), self.read_draft()
        typed = {k: v for k, v in now.items() if v != before.get(k)}
        self.ticket, self.version = fresh, fresh.version
        reloaded = shown_as(fresh)
        self.write_draft(reloaded | typed)
        self.site_id = self.query_one("#f-site_id", Picker).value
        self._initial = reloaded  # esc still asks about what was typed


def shown_as(t: Ticket) -> dict[str, Any]:
    """What the form's fields hold for a ticket, field by field, as read_fields reads them."""
    def picked(value: int | None, label: str) -> tuple[int | None, str, str]:
        text = clean(label, single_line=True) if value is not None else ""
        return value, text, text

    return {"priority": t.priority, "reason": "", "category": t.category, "reporter": t.reporter,
            "phone": t.phone, "site_id": picked(t.site_id, t.site_name),
            "equipment_id": picked(t.equipment_id, t.equipment_tag or ""), "description": t.description}


def _words(field: str, value: Any) -> str:
    """A form field's value as the conflict table shows it."""
    if field == "priority" and isinstance(value, int):
        return priority_label(value)
    if field == "category" and isinstance(value, str):
        return category_label(value)
    if isinstance(value, tuple):  # a picker's (id, label, text)
        return str(value[1]) if value[0] is not None else ""
    return "" if value is None else str(value)


def _preset(picker: Picker, value: int | None, label: str) -> None:
    """A picker showing the ticket's current choice (not a search to pick from)."""
    if value is None:
        return
    picker.value = value
    picker._label = clean(label, single_line=True)  # what the input shows for a made choice
    with picker.input.prevent(Input.Changed):
        picker.input.value = picker._label
