"""Keys sent as one burst (as SSH delivers them) land where they were typed."""

from __future__ import annotations

from console_helpers import app_for, burst, make_ticket, paste, queue, settle, until
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


async def test_keys_after_a_form_that_reads_first_land_in_the_form(store: Store, monkeypatch) -> None:
    """'e' reads the ticket (in a thread, awaited) before its form opens: the
    keys typed right after it wait for the form and land in it, however long
    the read takes (Textual's queue is empty while the action still awaits)."""
    import asyncio
    import threading

    from textual import events

    from console.screens.edit_ticket import EditTicketScreen

    t = make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        started, go = threading.Event(), threading.Event()
        ticket = store.tickets.ticket

        def held(*args, **kwargs):
            started.set()
            go.wait(30)
            return ticket(*args, **kwargs)

        monkeypatch.setattr(store.tickets, "ticket", held)
        try:
            for key, char in (("e", "e"), ("tab", "\t"), ("z", "z"), ("z", "z")):
                app._driver.send_message(events.Key(key, char))
            await asyncio.to_thread(started.wait, 30)
            for _ in range(5000):  # the keys after 'e': acted on now, or held for the form
                if not app._pending_input:
                    break
                await asyncio.sleep(0)
        finally:
            go.set()
            monkeypatch.setattr(store.tickets, "ticket", ticket)
        await settle(pilot)
        await until(pilot, lambda: isinstance(app.screen, EditTicketScreen) and not app._pending_input)
        assert app.screen.query_one("#f-reason", Input).value == "zz"
        assert app.screen.ticket.id == t.id


async def test_esc_right_after_go_to_closes_the_ticket_it_opened(store: Store) -> None:
    """Go to ticket only reads: awaited, so the esc typed after its enter
    closes the ticket it opened (it was taken by the go-to form as 'still
    saving', and the ticket stayed open)."""
    t = make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, ":", *str(t.id), "enter", "escape")
        assert isinstance(app.screen, MainScreen)
        assert not any("Still saving" in str(n.message) for n in app._notifications)


async def test_keys_typed_after_ctrl_s_go_where_the_save_leads(store: Store, monkeypatch) -> None:
    """Setting up a center over SSH: 'ctrl+s esc t' saved the site, then esc
    reached the form while its save was on its way ("still saving") and was
    lost, so 't' and the team's name went to the sites list and a new site.
    Keys typed after ctrl+s wait for the save, however slow the machine (a
    first save on a loaded machine took over the 1 s the keys once waited);
    only a save waiting for another writer lets them through
    (tests/test_locked_file.py)."""
    import time

    from console.screens.record_form import RecordForm
    from console.screens.records import RecordsScreen

    add_site = store.reference.add_site

    def slow_add_site(**fields):  # a slow machine: the save still on its way when esc is read
        time.sleep(1.5)
        return add_site(**fields)

    monkeypatch.setattr(store.reference, "add_site", slow_add_site)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "s", "n", *"BJ09", "tab", *"Wangjing", "ctrl+s", "escape", "t", "n", *"Night crew",
                    "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, RecordsScreen) and app.screen.spec.table == "teams")
        assert not isinstance(app.screen, RecordForm)
    assert [s.code for s in store.reference.sites("BJ09")] == ["BJ09"]
    assert "Night crew" in [t.name for t in store.people.teams()]


async def test_esc_and_a_key_read_together_are_both_typed(store: Store) -> None:
    """Over SSH (and tmux send-keys) 'esc t' arrives in one read: Textual's
    parser takes ESC and 't' for alt+t, and both were lost. Fed to the real
    terminal parser, as the driver does."""
    from textual._xterm_parser import XTermParser

    from console.screens.records import RecordsScreen
    from console.screens.setup import SetupScreen

    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "s")
        await until(pilot, lambda: isinstance(app.screen, RecordsScreen) and app.screen.spec.table == "sites")
        assert app._driver is not None
        parser = XTermParser()
        read = [*parser.feed("\x1bt"), *parser.feed("")]  # one read, then the end of input
        assert [getattr(e, "key", None) for e in read] == ["alt+t"]  # what the terminal's bytes are taken for
        for event in read:
            app._driver.send_message(event)
        await until(pilot, lambda: isinstance(app.screen, RecordsScreen) and app.screen.spec.table == "teams")
        await burst(pilot, "escape")
        assert isinstance(app.screen, SetupScreen)
