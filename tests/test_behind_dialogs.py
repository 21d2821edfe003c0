"""The queue seen behind two dialogs (the edit form and its conflict table)
follows a poll that came after both opened. Textual repaints a screen seen
behind the top one by refreshing the top screen only: the form in between
kept its old picture of the queue (console/screens/queue_poll.py
_compositor_refresh). This made tests/test_snapshots_merge.py's 160×50
picture show the description from before the other console's edit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import MutableClock
from console_helpers import app_for, burst, screen_rows, settle, until
from textual.widgets import Input
from ticket_helpers import make

from console.screens.detail import DetailScreen
from console.screens.edit_conflict import EditConflictScreen
from console.screens.edit_ticket import EditTicketScreen
from console.screens.main import MainScreen
from store import Store
from store.models import Ticket


@pytest.fixture
def other(db_path: Path, clock: MutableClock) -> Iterator[Store]:
    """Another console's store on the same file."""
    theirs = Store(db_path, clock=clock, actor="bob")
    yield theirs
    theirs.close()


async def _behind_both(pilot: Any, other: Store, ticket: Ticket, **change: Any) -> None:
    """The edit form open on ``ticket`` (from the screen shown now), another
    console's edit of it, and the conflict table over the form: no poll until
    both dialogs are open, so the change comes in behind both (then polls resume)."""
    app = pilot.app
    await burst(pilot, "e")
    await until(pilot, lambda: isinstance(app.screen, EditTicketScreen))
    app.screen.query_one("#f-phone", Input).value = "138 0000 0000"
    app.live.pause(True)
    await settle(pilot)
    other.tickets.edit_ticket(ticket.id, ticket.version, phone="139 1111 2222", **change)
    await burst(pilot, "ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, EditConflictScreen))
    assert not any(str(v) in row for v in change.values() for row in screen_rows(app))
    app.live.pause(False)


async def test_a_poll_after_both_dialogs_opened_shows_behind_them(store: Store, other: Store) -> None:
    t = make(store)
    app = app_for(store)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await _behind_both(pilot, other, t, description="ATM dark since the power cut")
        queue = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        await until(pilot, lambda: any("power cut" in r.description for r in queue.table.rows))
        await until(pilot, lambda: any("#1 " in row and "power cut" in row for row in screen_rows(app)))


async def test_a_ticket_changed_elsewhere_shows_on_its_detail_behind_both_dialogs(store: Store, other: Store) -> None:
    """The same for a ticket's detail screen under its edit form and the conflict table
    (console/screens/behind.py, which every screen that follows writes stands on)."""
    t = make(store)
    app = app_for(store)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(t.id))
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.ticket is not None)
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        await _behind_both(pilot, other, t, reporter="Zhao Power-Cut")
        await until(pilot, lambda: detail.ticket is not None and detail.ticket.reporter == "Zhao Power-Cut")
        await until(pilot, lambda: any("Zhao Power-Cut" in row for row in screen_rows(app)))
