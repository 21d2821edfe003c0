"""Keys sent as one burst (as SSH delivers them) land where they were typed."""

from __future__ import annotations

from console_helpers import app_for, burst, make_ticket, paste, queue, settle
from textual.widgets import Input

from console.screens.detail import DetailScreen
from console.screens.form import ActionForm
from console.screens.main import MainScreen
from store import Store


async def test_go_to_ticket_typed_as_one_burst(store: Store) -> None:
    tickets = [make_ticket(store, description=f"fault {i}") for i in range(12)]
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, ":", "1", "2", "enter")
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.ticket_id == tickets[11].id == 12


async def test_text_after_tab_goes_to_the_next_field(store: Store) -> None:
    t = make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "w", "tab", *"parts on order")
        assert isinstance(app.screen, ActionForm)
        assert app.screen.query_one("#f-note", Input).value == "parts on order"
        await burst(pilot, "ctrl+s")
        assert store.tickets.ticket(t.id).status == "waiting"


async def test_paste_lands_in_the_dialog_opened_before_it(store: Store) -> None:
    make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "w", "tab")
        await paste(pilot, "pasted note")
        assert app.screen.query_one("#f-note", Input).value == "pasted note"


async def test_too_small_terminal_ignores_every_key_but_quit(store: Store) -> None:
    t = make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(70, 20)) as pilot:
        await settle(pilot)
        assert queue(app).current is not None and queue(app).current.id == t.id
        await burst(pilot, "a", "w", "enter", ":")
        assert isinstance(app.screen, MainScreen)
        await burst(pilot, "q")
        assert app.return_code is not None or not app.is_running
