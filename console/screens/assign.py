"""Assign / reassign: on-duty technicians, best first (skill, then fewest open tickets)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from store.errors import MoveRefused, StaleTicket, StoreError
from store.inputs import AssignInput
from store.labels import category_label
from store.limits import max_length
from store.models import Technician, Ticket
from store.rules import lifecycle as rules
from store.text import clean

from ..format import fit
from ..i18n import _
from ..settings import apply_blink
from ..widgets.fields import field_row, form_footer, show_error
from ..widgets.form import FormModal
from ..widgets.textfield import TextInput


class AssignScreen(FormModal[Ticket | None]):
    def __init__(self, ticket_id: int, version: int, on_conflict: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.version = version
        self.on_conflict = on_conflict
        self.ticket: Ticket | None = None
        self.candidates: list[tuple[Technician, bool]] = []
        self.refused: dict[int, str | None] = {}  # team id → why this user may not hand the ticket there

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form"):
            yield Static("", classes="title", id="title")
            yield Static(_("On duty, best first: skill match (✓), then fewest open tickets."), classes="hint")
            yield OptionList(id="f-technician_id", compact=True)
            yield Static("", classes="hint", id="refused")
            yield Static("", classes="error", id="e-technician_id")
            yield from field_row("reason", _("Reason"), TextInput(
                id="f-reason", placeholder=_("why reassign, e.g. stuck at another site"), compact=True,
                max_length=max_length(AssignInput, "reason")))
            yield from form_footer(_("Assign (ctrl+s)"))

    async def on_mount(self) -> None:
        apply_blink(self)
        self.draft_key = ("assign", self.ticket_id)
        if await self._load():
            self.query_one(OptionList).focus()
            self.remember_initial()

    async def _load(self) -> bool:
        """Read the ticket and the candidates, then show them for the ticket's
        state now (assign or reassign); the highlighted technician and the
        reason typed survive a reload."""
        store = self.app.store
        options = self.query_one(OptionList)
        keep = self.candidates[options.highlighted][0].id if options.highlighted is not None and self.candidates else None
        def read() -> tuple[Ticket, list[tuple[Technician, bool]], dict[int, str | None]]:
            ticket, candidates = store.tickets.ticket(self.ticket_id), store.reference.candidates(self.ticket_id)
            # Whom this user may hand it to: the store's own check per team (a
            # foreman keeps their team's tickets within the team).
            action = store.permits.ticket_action("assign", ticket.technician_id is not None)
            teams = {tech.team_id for tech, _skilled in candidates}
            return ticket, candidates, {team: store.permits.refusal(action, ticket_id=ticket.id, team_id=team) for team in teams}

        try:
            t, self.candidates, self.refused = await asyncio.to_thread(read)
        except StoreError as exc:
            self.notify(str(exc), severity="error", markup=False)
            self.dismiss(None)
            return False
        self.ticket = t
        reassign = t.technician_id is not None
        title = _("Reassign #{id}") if reassign else _("Assign #{id}")
        self.query_one("#title", Static).update(Content(
            title.format(id=t.id) + f" — {category_label(t.category)}, {clean(t.site_name, single_line=True)}"
            + (_(" (now: {name})").format(name=clean(t.technician_name or "", single_line=True)) if reassign else "")))
        self.query_one("#row-reason").display = reassign
        self.query_one("#save", Button).label = _("Reassign (ctrl+s)") if reassign else _("Assign (ctrl+s)")
        options.clear_options()
        options.add_options(candidate_options(self.candidates, t.technician_id, self.refused))
        if not self.candidates:
            show_error(self, "general", _("No technician is on duty."))
        why = next((w for w in self.refused.values() if w), None)
        barred = self.query_one("#refused", Static)
        barred.update(Content("✗ " + clean(why, single_line=True) if why else ""))
        barred.display = bool(why)
        ids = [tech.id for tech, _skilled in self.candidates if not self.refused.get(tech.team_id)]
        options.highlighted = next((i for i, (tech, _s) in enumerate(self.candidates) if tech.id == keep), None) \
            if keep in ids else next((i for i, (tech, _s) in enumerate(self.candidates) if tech.id in ids), None)
        return True

    @on(OptionList.OptionSelected)
    def _technician_picked(self) -> None:
        if self.query_one("#row-reason").display:
            self.query_one("#f-reason").focus()
        else:
            self.action_submit()

    @on(Input.Submitted)
    def _enter(self) -> None:
        self.action_submit()

    def _errors(self, errors: dict[str, str], general: str = "") -> None:
        for name in ("technician_id", "reason"):
            show_error(self, name, errors.get(name, ""))
        show_error(self, "general", general)

    def action_submit(self) -> None:
        if self.still_saving():
            return
        options = self.query_one(OptionList)
        if options.highlighted is None or not self.candidates:
            self._errors({"technician_id": _("pick a technician")})
            return
        tech_id = self.candidates[options.highlighted][0].id
        reason = self.query_one("#f-reason", Input).value
        store: Any = self.app.store
        version = self.version
        self.save(lambda: store.tickets.assign(self.ticket_id, version, technician_id=tech_id, reason=reason),
                  self.finish, self._errors, self._stale)

    def _stale(self, exc: StaleTicket) -> None:
        self.version = exc.version
        if self.on_conflict:
            self.on_conflict()
        # The ticket changed: show the form for its new state (assign may now be reassign).
        self.run_worker(self._reload_after_conflict(str(exc), isinstance(exc, MoveRefused)), group="reload")

    async def _reload_after_conflict(self, message: str, said: bool = False) -> None:
        """``said``: the message already says why the new state refuses it (MoveRefused)."""
        if not await self._load():
            return
        t = self.ticket
        assert t is not None
        why = None if said else rules.refusal("assign", t.status, t.technician_id, t.first_response_at is not None)
        show_error(self, "general", message + (" " + _("Now: {why}").format(why=why) if why else ""))


def candidate_options(candidates: list[tuple[Technician, bool]], current_id: int | None,
                      refused: dict[int, str | None] | None = None) -> list[Option]:
    """One row per technician. Name and team columns are as wide as the
    longest shown (within limits), so a team name is not cut while the form
    has room to spare. A technician this user may not hand the ticket to
    (``refused``: by team) is marked ✗ and cannot be picked."""
    refused = refused or {}
    names = [clean(tech.name, single_line=True) for tech, _skilled in candidates]
    teams = [clean(tech.team_name, single_line=True) for tech, _skilled in candidates]
    name_w = min(24, max(map(cell_len, names), default=0))
    team_w = min(28, max(map(cell_len, teams), default=0))
    load_w = max((len(str(tech.open_load)) for tech, _skilled in candidates), default=1)
    rows = []
    for (tech, skilled), name, team in zip(candidates, names, teams, strict=True):
        mark = "✓" if skilled else "·"
        current = "  ← " + _("current") if tech.id == current_id else ""
        load = _("open {n}").format(n=f"{tech.open_load:>{load_w}}")
        barred = bool(refused.get(tech.team_id))
        mark = "✗" if barred else mark
        rows.append(Option(Content(f"{mark} {fit(name, name_w)}  {fit(team, team_w)}  {load}{current}"), id=str(tech.id),
                           disabled=barred))
    return rows
