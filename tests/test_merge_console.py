"""The edit form saved on a version someone changed since (console/screens/edit_ticket.py):
other fields merged with a toast naming them; the same field opens the
conflict table (console/screens/edit_conflict.py), chosen per row by keys;
esc goes back to the form with what was typed; a third change asks again."""

from __future__ import annotations

from pathlib import Path

from conftest import MutableClock
from console_helpers import app_for, burst, settle, until
from textual.widgets import DataTable, Input, Static, TextArea
from ticket_helpers import make

from console.screens.edit_conflict import EditConflictScreen
from console.screens.edit_ticket import EditTicketScreen
from console.screens.main import MainScreen
from store import Store


async def open_edit(pilot, app) -> EditTicketScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await burst(pilot, "e")
    await until(pilot, lambda: isinstance(app.screen, EditTicketScreen))
    screen = app.screen
    assert isinstance(screen, EditTicketScreen)
    return screen


async def test_other_fields_are_merged_and_a_toast_says_so(store: Store, db_path: Path, clock: MutableClock) -> None:
    t = make(store)
    mei = Store(db_path, clock=clock, actor="bob")
    app = app_for(store)
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            form = await open_edit(pilot, app)
            form.query_one("#f-reporter", Input).value = "Li"
            mei.tickets.edit_ticket(t.id, 1, phone="139 1111 2222")  # while the form is open
            await burst(pilot, "ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, MainScreen))
            await until(pilot, lambda: any("merged with bob's change: Phone" in str(n.message)
                                           for n in app._notifications))
    finally:
        mei.close()
    row = store.tickets.ticket(t.id)
    assert (row.reporter, row.phone, row.version, row.updated_by) == ("Li", "139 1111 2222", 3, "ann")


async def test_conflict_is_chosen_per_field_and_saved_again(store: Store, db_path: Path, clock: MutableClock) -> None:
    t = make(store)
    mei = Store(db_path, clock=clock, actor="bob")
    app = app_for(store)
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            form = await open_edit(pilot, app)
            form.query_one("#f-phone", Input).value = "138 0000 0000"
            form.query_one("#f-reporter", Input).value = "Wang"
            form.query_one("#f-description", TextArea).text = "dark screen"
            mei.tickets.edit_ticket(t.id, 1, phone="139 1111 2222", reporter="Li [b]x[/b]\x1b[31m")
            await burst(pilot, "ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, EditConflictScreen))
            table = app.screen.query_one(DataTable)
            assert [str(k.value) for k in table.rows] == ["reporter", "phone"]
            cells = [str(c) for c in table.get_row("reporter")]
            assert cells[1].startswith("  Li [b]x[/b]") and "\x1b" not in cells[1] and cells[2] == "▶ Wang" and cells[3] == "  Mrs Zhao"
            await burst(pilot, "escape")  # back to the form: what was typed is there
            assert app.screen is form
            assert form.query_one("#f-phone", Input).value == "138 0000 0000"
            assert "bob" in str(form.query_one("#e-general", Static).render())
            await burst(pilot, "ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, EditConflictScreen))
            mei.tickets.edit_ticket(t.id, 2, category="printer")  # a third change while choosing: merged
            await burst(pilot, "t", "o", "enter")  # reporter: theirs; phone: the original
            await until(pilot, lambda: isinstance(app.screen, MainScreen))
    finally:
        mei.close()
    row = store.tickets.ticket(t.id)
    assert (row.reporter, row.phone, row.description, row.category) == (
        "Li [b]x[/b]\x1b[31m", "010 6666 8888", "dark screen", "printer")
    assert row.version == 4 and row.updated_by == "ann"
