"""On or off duty: every technician in service with their state; enter
toggles the highlighted one and the list stays open for the next."""

from __future__ import annotations

import asyncio

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from store.errors import StoreError
from store.models import Technician
from store.text import clean

from ..background import in_thread, write_refusal
from ..console_app import OnConsole
from ..format import fit
from ..i18n import N_, _
from ..widgets.lists import ListOptions


class DutyScreen(OnConsole, ModalScreen[bool]):
    """Dismisses True when something changed, so the board reloads at once."""

    BINDINGS = [
        Binding("escape,q", "close", N_("Close")),
    ]

    def __init__(self, techs: list[Technician] | None = None) -> None:
        """``techs``: what the board shows now, listed at once (a burst "d⏎"
        toggles the first one, not nothing); then read afresh."""
        super().__init__()
        self.techs: list[Technician] = list(techs or [])
        self.changed = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form duty"):
            yield Static(_("Technicians: on or off duty"), classes="title")
            yield Static(Content(_("enter toggles the highlighted technician · esc closes")), classes="hint")
            yield ListOptions(id="duty", compact=True)
            yield Static("", classes="error", id="e-general")

    async def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        if self.techs:
            self._show()
        else:
            await self._load()

    async def _load(self, keep: int | None = None) -> None:
        try:
            self.techs = await asyncio.to_thread(self.app.store.people.technicians)
        except StoreError as exc:
            self._error(str(exc))
            return
        self._show(keep)

    def _show(self, keep: int | None = None) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        name_w = min(24, max((cell_len(clean(t.name, single_line=True)) for t in self.techs), default=0))
        team_w = min(24, max((cell_len(clean(t.team_name, single_line=True)) for t in self.techs), default=0))
        for t in self.techs:
            state = "● " + _("on duty") if t.on_duty else "○ " + _("off duty")
            options.add_option(Option(Content(
                f"{fit(clean(t.name, single_line=True), name_w)}  {fit(clean(t.team_name, single_line=True), team_w)}"
                f"  {state}"), id=str(t.id)))
        if not self.techs:
            self._error(_("No technicians yet: add them in Setup (S)."))
        ids = [t.id for t in self.techs]
        options.highlighted = ids.index(keep) if keep in ids else (0 if ids else None)

    def _error(self, message: str) -> None:
        error = self.query_one("#e-general", Static)
        error.update(Content(clean(message, single_line=True)))
        error.set_class(bool(message), "-shown")

    @on(OptionList.OptionSelected, "#duty")
    def _toggle(self, event: OptionList.OptionSelected) -> None:
        tech, store = self.techs[event.option_index], self.app.store

        def done(_result: object) -> None:
            self.changed = True
            self._error("")
            self.run_worker(self._load(keep=tech.id), group="duty-load", exclusive=True)

        # A write: in a thread, so a file busy with another dispatcher's change does not hold the keys.
        in_thread(self, lambda: store.people.set_on_duty(tech.id, not tech.on_duty), done,
                  lambda exc: self._error(write_refusal(exc)), group="duty")

    async def data_changed(self) -> None:
        """Another console turned someone on or off duty: shown here too."""
        options = self.query_one(OptionList)
        at = options.highlighted
        await self._load(keep=self.techs[at].id if at is not None and at < len(self.techs) else None)

    def action_close(self) -> None:
        self.dismiss(self.changed)
