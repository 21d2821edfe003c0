"""Setup: the menu of a center's reference data, opened from the main screen
with 'S'. Each entry opens its own screen; esc comes back here."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..format import pad
from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.lists import ListOptions
from .listing import ListScreen
from .setup_specs import SPECS

# (id, key, label, what it holds); the texts are msgids, translated when the
# menu is composed. Users and calendar are built by their own
# modules; the menu opens them when they are there.
ENTRIES: list[tuple[str, str, str, str]] = [
    ("sites", "s", N_("Sites"), N_("branches and other places equipment stands")),
    ("equipment", "e", N_("Equipment"), N_("asset tags, category, model, warranty")),
    ("teams", "t", N_("Teams"), N_("teams and their foremen")),
    ("technicians", "c", N_("Technicians"), N_("names, team, phone, skills, duty")),
    ("policy", "p", N_("SLA policy"), N_("response, on-site and resolve windows per priority")),
    ("escalation", "a", N_("Escalation"), N_("whom a clock running out tells, per priority and clock")),
    ("fees", "f", N_("Fees"), N_("the fee schedule closing proposes from, invoice checks")),
    ("users", "u", N_("Users"), N_("who may log in, and their roles")),
    ("calendar", "l", N_("Calendar"), N_("business hours and holidays")),
]

# Screens other modules provide: (module, class), opened without arguments.
ELSEWHERE = {"users": ("console.screens.users", "UsersScreen"),
             "calendar": ("console.screens.calendar", "CalendarScreen")}


class SetupScreen(ListScreen):
    DEFAULT_CSS = """
    SetupScreen .records-title { text-style: bold; padding: 0 1; }
    SetupScreen .records-hint { color: $text-muted; padding: 0 1 1 1; }
    SetupScreen #setup-menu { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "back", N_("Back")),
        *[Binding(key, f"open('{eid}')", label, show=False) for eid, key, label, _what in ENTRIES],
    ]

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Setup — the center's reference data")), classes="records-title")
        yield Static(Content(_("Enter or the letter opens a table. Records are retired, never deleted; "
                               "every change is in the audit log.")), classes="records-hint")
        options = ListOptions(id="setup-menu")
        for eid, key, label, what in ENTRIES:
            options.add_option(Option(Content(f"{key}  {pad(_(label), 14)} {_(what)}"), id=eid))
        yield options
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    @on(OptionList.OptionSelected, "#setup-menu")
    async def _chosen(self, event: OptionList.OptionSelected) -> None:
        await self.action_open(event.option.id or "")

    async def action_open(self, entry: str) -> None:
        if entry == "fees":
            from .fee_form import open_fee_form

            await open_fee_form(self)
        elif entry in SPECS:
            from .records import RecordsScreen

            self.app.push_screen(RecordsScreen(SPECS[entry]))
        elif entry == "policy":
            from .policy import PolicyScreen

            self.app.push_screen(PolicyScreen())
        elif entry == "escalation":
            from .escalation import EscalationScreen

            self.app.push_screen(EscalationScreen())
        elif entry in ELSEWHERE:
            opener = _screen_from(*ELSEWHERE[entry])
            if opener is None:
                self.notify(_("Not in this version yet."), markup=False)
            else:
                self.app.push_screen(opener())


def _screen_from(module: str, name: str) -> Callable[[], Screen[object]] | None:
    try:
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]
    except (ImportError, AttributeError):
        return None
