"""New ticket form: pick lists for site and equipment that search as you type;
a repeat fault on the same equipment is flagged before saving."""

from __future__ import annotations

import asyncio
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Input, Select, Static, TextArea

from store.inputs import NewTicket
from store.labels import CATEGORIES, CHANNELS, category_label, channel_label, priority_label
from store.limits import max_length
from store.models import Ticket

from ..format import local_time
from ..i18n import N_, _
from ..settings import apply_blink
from ..widgets.fields import field_row, form_footer, show_error
from ..widgets.form import FormModal
from ..widgets.picker import Picker
from ..widgets.textfield import TextBox, TextInput


def no_sites() -> str:
    return _("no sites yet: add them in Setup (S), or with dispatch import sites")


FIELDS = ("channel", "reporter", "phone", "site_id", "equipment_id", "category", "priority", "description")


class NewTicketScreen(FormModal[Ticket | None]):
    # priority: ctrl+e is also "end of line" in Input and TextArea (End still is).
    BINDINGS = [Binding("ctrl+e", "earlier", N_("Earlier tickets"), priority=True)]

    draft_key = ("new", 0)  # one new ticket at a time: its draft comes back on the next 'n'

    def __init__(self) -> None:
        super().__init__()
        self.site_id: int | None = None

    def _search_sites(self, text: str) -> list[tuple[int, str]]:
        return [(s.id, f"{s.code} {s.name}") for s in self.app.store.reference.sites(text, limit=8)]

    def _search_equipment(self, text: str) -> list[tuple[int, str]]:
        store = self.app.store
        return [(e.id, f"{e.asset_tag}  {category_label(e.category)}  {e.model}")
                for e in store.reference.equipment(self.site_id, text, limit=8)]

    def compose(self) -> ComposeResult:
        def field(name: str, label: str, widget: Any) -> list[Any]:
            return field_row(name, label, widget)

        with VerticalScroll(classes="form"):
            yield Static(_("New ticket"), classes="title")
            yield Static(_("ctrl+e: the caller's and the equipment's earlier tickets"), classes="hint")
            yield from field("channel", _("Channel"), Select(
                [(channel_label(c), c) for c in CHANNELS], value="phone", allow_blank=False, id="f-channel", compact=True))
            yield from field("reporter", _("Reporter"), TextInput(
                id="f-reporter", compact=True, max_length=max_length(NewTicket, "reporter")))
            yield from field("phone", _("Phone"), TextInput(
                id="f-phone", compact=True, max_length=max_length(NewTicket, "phone")))
            yield from field("site_id", _("Site (type to search)"), Picker(
                self._search_sites, _("branch name or code"), id="f-site_id", none_hint=no_sites()))
            yield from field("equipment_id", _("Equipment (optional)"),
                             Picker(self._search_equipment, _("asset tag, model or category"), id="f-equipment_id"))
            yield Static("", id="repeat", classes="hint")
            yield from field("category", _("Category"), Select(
                [(category_label(c), c) for c in CATEGORIES], value="other", allow_blank=False, id="f-category", compact=True))
            yield from field("priority", _("Priority"), Select(
                [(priority_label(p), p) for p in (1, 2, 3, 4)], value=3, allow_blank=False, id="f-priority", compact=True))
            yield from field("description", _("Fault description"), TextBox(
                id="f-description", soft_wrap=True, compact=True, max_length=max_length(NewTicket, "description")))
            yield from form_footer(_("Save (ctrl+s)"))

    def on_mount(self) -> None:
        apply_blink(self)
        self.query_one("#f-reporter").focus()
        self.remember_initial()

    def write_draft(self, draft: dict[str, Any]) -> None:
        """A kept draft back in the fields: the site it names scopes the
        equipment search again, and its equipment is checked for a repeat fault."""
        super().write_draft(draft)
        self.site_id = self.query_one("#f-site_id", Picker).value
        equipment = self.query_one("#f-equipment_id", Picker).value
        if equipment is not None:
            self.run_worker(self._repeat_check(equipment, set_category=False), group="repeat")

    @on(Picker.Picked, "#f-site_id")
    def _site(self, event: Picker.Picked) -> None:
        self.site_id = event.value
        equipment = self.query_one("#f-equipment_id", Picker)
        if equipment.value is not None:
            equipment.clear()  # the old site's equipment is not at the new one

    @on(Picker.Picked, "#f-equipment_id")
    async def _equipment(self, event: Picker.Picked) -> None:
        await self._repeat_check(event.value)

    async def _repeat_check(self, equipment_id: int | None, set_category: bool = True) -> None:
        note = self.query_one("#repeat", Static)
        if equipment_id is None:
            note.update("")
            return
        store = self.app.store
        if set_category:
            equipment = [e for e in await asyncio.to_thread(store.reference.equipment, self.site_id, "", 500)
                         if e.id == equipment_id]
            if equipment:
                self.query_one("#f-category", Select).value = equipment[0].category
        earlier = await asyncio.to_thread(store.tickets.repeat_candidate, equipment_id)
        if self.query_one("#f-equipment_id", Picker).value != equipment_id:
            return  # cleared or changed while this was looked up: the banner is not about it
        if earlier is not None:
            note.update(Content(_("↻ Repeat fault: #{id} on this equipment was resolved {at}; "
                                  "this ticket will be linked as a second repair.").format(
                id=earlier.id, at=local_time(earlier.resolved_at, self.app.tz))))
        else:
            note.update("")

    def values(self) -> dict[str, Any]:
        return {
            "channel": self.query_one("#f-channel", Select).value,
            "reporter": self.query_one("#f-reporter", Input).value,
            "phone": self.query_one("#f-phone", Input).value,
            "site_id": self.query_one("#f-site_id", Picker).value,
            "equipment_id": self.query_one("#f-equipment_id", Picker).value,
            "category": self.query_one("#f-category", Select).value,
            "priority": self.query_one("#f-priority", Select).value,
            "description": self.query_one("#f-description", TextArea).text,
        }

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        errors = dict(errors)
        site = self.query_one("#f-site_id", Picker)
        if "site_id" in errors and site.value is None:
            # With no sites at all the field's list already says where they are added.
            errors["site_id"] = _("no sites yet") if site.none_at_all else _("pick a site from the list")
        for name in FIELDS:
            show_error(self, name, errors.get(name, ""))
        show_error(self, "general", general)

    def action_submit(self) -> None:
        if self.still_saving():
            return
        store = self.app.store
        values = self.values()
        self.save(lambda: store.tickets.create_ticket(values), self.finish, self.show_errors)

    def action_earlier(self) -> None:
        """Has this caller or this asset reported before? (ctrl+e)"""
        from .search import EarlierScreen

        phone = self.query_one("#f-phone", Input).value
        equipment = self.query_one("#f-equipment_id", Picker)
        if not phone.strip() and equipment.value is None:
            self.notify(_("Type the phone or pick the equipment first."), severity="warning", markup=False)
            return
        what = "  ".join(x for x in (phone.strip(), equipment.input.value if equipment.value else "") if x)
        self.app.push_screen(EarlierScreen(phone, equipment.value, what=what))
