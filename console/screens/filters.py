"""Queue filters: status, priority, team, unassigned only."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from store.models import QueueFilter
from store.rules.lifecycle import OPEN_STATUSES, status_label
from store.text import clean

from ..i18n import N_, _
from ..widgets.lists import TickBox, TickList


class FilterScreen(ModalScreen[QueueFilter | None]):
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel")),
        Binding("ctrl+s", "apply", N_("Apply"), priority=True),
    ]

    def __init__(self, current: QueueFilter, teams: dict[int, str]) -> None:
        super().__init__()
        self.current = current
        self.teams = teams

    def compose(self) -> ComposeResult:
        f = self.current
        with VerticalScroll(classes="form"):
            yield Static(_("Filter the queue (none ticked: all); space ticks"), classes="title")
            with Horizontal(classes="columns"):
                with Vertical():
                    yield Label(_("Status"))
                    yield TickList(
                        *[Selection(status_label(s), s, s in f.statuses) for s in OPEN_STATUSES],
                        id="statuses", compact=True)
                with Vertical():
                    yield Label(_("Priority"))
                    yield TickList(
                        *[Selection(f"P{p}", p, p in f.priorities) for p in (1, 2, 3, 4)],
                        id="priorities", compact=True)
                with Vertical():
                    yield Label(_("Team"))
                    yield TickList(
                        *[Selection(clean(name, single_line=True), tid, tid == f.team_id)
                          for tid, name in sorted(self.teams.items(), key=lambda kv: kv[1])],
                        id="team", compact=True)
            yield TickBox(_("Unassigned only"), f.unassigned, id="unassigned", compact=True)
            with Horizontal(classes="buttons"):
                yield Button(_("Apply (ctrl+s)"), variant="primary", id="apply", compact=True)
                yield Button(_("Clear"), id="clear", compact=True)
                yield Button(_("Cancel (esc)"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#statuses").focus()

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        teams = self.query_one("#team", SelectionList).selected
        self.dismiss(QueueFilter(
            statuses=tuple(self.query_one("#statuses", SelectionList).selected),
            priorities=tuple(self.query_one("#priorities", SelectionList).selected),
            team_id=teams[-1] if teams else None,
            unassigned=self.query_one("#unassigned", Checkbox).value,
            text=self.current.text,
        ))

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.dismiss(QueueFilter())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def describe_filter(f: QueueFilter, teams: dict[int, str]) -> str:
    from store.rules.lifecycle import status_label

    parts = []
    if f.statuses:
        parts.append(_("status: {v}").format(v=", ".join(status_label(s) for s in f.statuses)))
    if f.priorities:
        parts.append(_("priority: {v}").format(v=", ".join(f"P{p}" for p in f.priorities)))
    if f.team_id is not None:
        parts.append(_("team: {v}").format(v=clean(teams.get(f.team_id, "?"), single_line=True)))
    if f.unassigned:
        parts.append(_("unassigned only"))
    if f.text:
        parts.append(_("search: {v}").format(v=clean(f.text, single_line=True)))
    return _("Filter") + " — " + " · ".join(parts) + "   " + _("(esc clears)")
