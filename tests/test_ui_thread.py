"""The console never waits on the file (issue 23): no store call touches the
database from the UI thread. Each tour drives the real console through a
screen and its forms, with a watch on the Store (tests/ui_thread_guard.py)
that records every read, write or data_version asked on the event loop's
thread; the tour fails naming each place."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from console_helpers import app_for, burst, make_ticket, settle, until
from test_list_screens import world  # noqa: F401  (the fixture: scores, callbacks, items, complaints)
from test_scores import month  # noqa: F401
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from ui_thread_guard import UIThreadGuard, ui_guard  # noqa: F401

from console.app import DispatchApp
from store import Store

Tour = Callable[[Pilot, DispatchApp], Awaitable[None]]


def screen_name(app: DispatchApp) -> str:
    return type(app.screen).__name__


async def open_screen(pilot: Pilot, app: DispatchApp, *keys: str, name: str) -> None:
    for key in keys:
        await burst(pilot, key)
    await until(pilot, lambda: screen_name(app) == name)
    await settle(pilot)


async def saved(pilot: Pilot, app: DispatchApp) -> None:
    """The form closed: back on the queue (else say what the form says)."""
    try:
        await until(pilot, lambda: screen_name(app) == "MainScreen")
    except AssertionError:
        errors = [str(w.render()) for w in app.screen.query(".error")]
        raise AssertionError(f"{screen_name(app)} did not close: {errors}") from None
    await settle(pilot)


async def back_to_queue(pilot: Pilot, app: DispatchApp) -> None:
    for _ in range(8):
        if screen_name(app) == "MainScreen":
            return
        # A changed form asks before closing: discard.
        await burst(pilot, "d" if screen_name(app) == "ConfirmScreen" else "escape")
    assert screen_name(app) == "MainScreen"


async def type_into(pilot: Pilot, text: str) -> None:
    focused = pilot.app.focused
    assert isinstance(focused, (Input, TextArea)), focused
    focused.insert(text) if isinstance(focused, TextArea) else focused.insert_text_at_cursor(text)
    await settle(pilot)


async def queue_tour(pilot: Pilot, app: DispatchApp) -> None:
    await burst(pilot, "j", "k", "G", "g", "b", "b", "ctrl+r")
    await burst(pilot, "slash", "A", "T", "M", "enter")
    await burst(pilot, "escape")
    await open_screen(pilot, app, "f", name="FilterScreen")
    await burst(pilot, "escape")
    await open_screen(pilot, app, "colon", name="ActionForm")
    await type_into(pilot, "1")
    await burst(pilot, "enter")
    await until(pilot, lambda: screen_name(app) == "DetailScreen")
    await burst(pilot, "escape")
    await open_screen(pilot, app, "ctrl+f", name="SearchScreen")
    await type_into(pilot, "ATM")
    await burst(pilot, "escape")
    await back_to_queue(pilot, app)


async def detail_tour(pilot: Pilot, app: DispatchApp) -> None:
    await open_screen(pilot, app, "enter", name="DetailScreen")
    await burst(pilot, "j", "k", "ctrl+r")
    await open_screen(pilot, app, "ctrl+e", name="EarlierScreen")
    await back_to_queue(pilot, app)


async def ticket_forms_tour(pilot: Pilot, app: DispatchApp) -> None:
    """Assign, respond, arrive, hold, resume, note, edit, resolve, close: each form submitted."""
    await open_screen(pilot, app, "a", name="AssignScreen")
    await burst(pilot, "ctrl+s")
    await saved(pilot, app)
    for key, form in (("r", "ActionForm"), ("o", "ActionForm"), ("w", "ActionForm")):
        await open_screen(pilot, app, key, name=form)
        await burst(pilot, "ctrl+s")
        await saved(pilot, app)
    await burst(pilot, "u")
    await settle(pilot)
    await open_screen(pilot, app, "m", name="ActionForm")
    await type_into(pilot, "called the branch")
    await burst(pilot, "ctrl+s")
    await saved(pilot, app)
    await open_screen(pilot, app, "e", name="EditTicketScreen")
    await burst(pilot, "escape")
    await back_to_queue(pilot, app)
    await open_screen(pilot, app, "v", name="ResolveForm")
    for text in ("", "worn belt", "replaced belt", "belt"):
        if text:
            await type_into(pilot, text)
        await burst(pilot, "tab")
    await burst(pilot, "ctrl+s")
    await saved(pilot, app)
    await settle(pilot)


async def new_ticket_tour(pilot: Pilot, app: DispatchApp) -> None:
    await open_screen(pilot, app, "n", name="NewTicketScreen")
    await type_into(pilot, "Zhang")
    await burst(pilot, "tab")
    await type_into(pilot, "139 1111 2222")
    await burst(pilot, "tab")
    await type_into(pilot, "Ea")
    await burst(pilot, "enter")  # the first matching site
    await burst(pilot, "ctrl+s")  # no description: refused beside its field, nothing lost
    await settle(pilot)
    await burst(pilot, "ctrl+e")
    await settle(pilot)
    await back_to_queue(pilot, app)


async def form_paths_tour(pilot: Pilot, app: DispatchApp) -> None:
    """The forms' own paths (issue 22) with saves in a worker: esc asks and a
    kept draft comes back, a time not come yet today is asked about, the
    picker takes a match on Tab, an edit conflict reloads the ticket."""
    await open_screen(pilot, app, "m", name="ActionForm")
    await type_into(pilot, "called the branch")
    await burst(pilot, "escape")
    await until(pilot, lambda: screen_name(app) == "ConfirmScreen")
    await burst(pilot, "k")  # close, keep the draft
    await until(pilot, lambda: screen_name(app) == "MainScreen")
    await open_screen(pilot, app, "m", name="ActionForm")
    assert isinstance(app.focused, TextArea) and app.focused.text == "called the branch"
    await burst(pilot, "ctrl+s")
    await saved(pilot, app)
    await open_screen(pilot, app, "r", name="ActionForm")
    await burst(pilot, "tab", *"23:59", "ctrl+s")
    await until(pilot, lambda: screen_name(app) == "ConfirmScreen")  # yesterday, 23:59?
    await burst(pilot, "y")
    await until(pilot, lambda: screen_name(app) != "ConfirmScreen")
    await settle(pilot)
    await back_to_queue(pilot, app)
    await open_screen(pilot, app, "n", name="NewTicketScreen")
    await burst(pilot, *"Zhang", "tab", *"13800001111", "tab", *"Ea", "tab")  # tab takes the first site
    await settle(pilot)
    await back_to_queue(pilot, app)
    store: Store = app.store
    await open_screen(pilot, app, "e", name="EditTicketScreen")
    screen = app.screen
    screen.query_one("#f-description", TextArea).focus()
    await burst(pilot, *"Again: ")
    ticket = screen.ticket  # type: ignore[attr-defined]
    # Another dispatcher's edit, from another thread (this one is the UI's, and watched).
    await asyncio.to_thread(lambda: store.tickets.edit_ticket(ticket.id, ticket.version, description="by Li"))
    await burst(pilot, "ctrl+s")  # the same field changed meanwhile: the conflict table (its reads off this thread)
    await until(pilot, lambda: type(app.screen).__name__ == "EditConflictScreen")
    await burst(pilot, "y", "enter")  # keep what was typed: saved again, versioned
    await saved(pilot, app)


async def lists_tour(pilot: Pilot, app: DispatchApp) -> None:
    for key, name, moves in (("I", "ItemsScreen", ["j", "o", "o"]), ("C", "ComplaintsScreen", ["j", "o", "o"]),
                             ("K", "CallbacksScreen", ["j", "r"]), ("Y", "ScoresScreen", ["j", "left_square_bracket"]),
                             ("d", "DutyScreen", ["j", "space"]), ("h", "CalendarScreen", ["j", "ctrl+r"])):
        await open_screen(pilot, app, key, name=name)
        await burst(pilot, *moves)
        await settle(pilot)
        await back_to_queue(pilot, app)


async def list_forms_tour(pilot: Pilot, app: DispatchApp) -> None:
    await open_screen(pilot, app, "C", name="ComplaintsScreen")
    await open_screen(pilot, app, "n", name="ActionForm")
    await type_into(pilot, "#1")
    await burst(pilot, "ctrl+s")
    await settle(pilot)
    await back_to_queue(pilot, app)
    await open_screen(pilot, app, "C", name="ComplaintsScreen")
    await open_screen(pilot, app, "s", name="ActionForm")
    await burst(pilot, "ctrl+s")
    await settle(pilot)
    await back_to_queue(pilot, app)
    await open_screen(pilot, app, "I", name="ItemsScreen")
    await open_screen(pilot, app, "w", name="ActionForm")
    await type_into(pilot, "slow to call back")
    await burst(pilot, "ctrl+s")
    await settle(pilot)
    await back_to_queue(pilot, app)
    await open_screen(pilot, app, "K", name="CallbacksScreen")
    await burst(pilot, "p")
    await settle(pilot)
    await back_to_queue(pilot, app)


async def setup_tour(pilot: Pilot, app: DispatchApp) -> None:
    for key, name in (("s", "RecordsScreen"), ("e", "RecordsScreen"), ("t", "RecordsScreen"),
                      ("c", "RecordsScreen"), ("p", "PolicyScreen"), ("u", "UsersScreen"), ("l", "CalendarScreen")):
        await open_screen(pilot, app, "S", name="SetupScreen")
        await open_screen(pilot, app, key, name=name)
        await burst(pilot, "j")
        await settle(pilot)
        await back_to_queue(pilot, app)
    await open_screen(pilot, app, "S", name="SetupScreen")
    await open_screen(pilot, app, "s", name="RecordsScreen")
    await open_screen(pilot, app, "e", name="RecordForm")
    await burst(pilot, "ctrl+s")  # nothing changed: closes
    await until(pilot, lambda: screen_name(app) == "RecordsScreen")
    await burst(pilot, "slash", "E", "a")
    await settle(pilot)
    await back_to_queue(pilot, app)
    await open_screen(pilot, app, "S", name="SetupScreen")
    await open_screen(pilot, app, "p", name="PolicyScreen")
    await burst(pilot, "ctrl+s")
    await settle(pilot)
    await back_to_queue(pilot, app)
    await open_screen(pilot, app, "S", name="SetupScreen")
    await open_screen(pilot, app, "u", name="UsersScreen")
    await burst(pilot, "j", "d")  # disable bob, then enable him again
    await settle(pilot)
    await burst(pilot, "d")
    await settle(pilot)
    await back_to_queue(pilot, app)


async def reports_tour(pilot: Pilot, app: DispatchApp) -> None:
    await open_screen(pilot, app, "R", name="ReportsScreen")
    await burst(pilot, "left_square_bracket", "p", "c")
    await settle(pilot)
    await back_to_queue(pilot, app)


async def escalation_tour(pilot: Pilot, app: DispatchApp) -> None:
    """The managers' side of issue 24: the ladder, the messages, the addresses."""
    from store.delivery import Delivery, Outcome

    store: Store = app.store

    def given_up() -> None:  # a message to a technician, given up on (another program's writes)
        store.settings.set_setting("notify_retry", {"attempts": 1})
        store.outbox.set_technician_addresses(1, ["json://127.0.0.1:9/hook"])
        t = make_ticket(store, priority=3)
        store.tickets.assign(t.id, t.version, technician_id=1)
        last = store.db.value("SELECT MAX(id) FROM outbox")
        store.outbox.record_attempt(last, Delivery((Outcome(1, "JSON", False, "refused"),), 0.1), [1])

    await asyncio.to_thread(given_up)
    await open_screen(pilot, app, "S", name="SetupScreen")
    await open_screen(pilot, app, "a", name="EscalationScreen")
    await until(pilot, lambda: getattr(app.screen, "setting", None) is not None)
    await open_screen(pilot, app, "j", "e", name="ActionForm")
    await burst(pilot, "ctrl+s")
    await until(pilot, lambda: screen_name(app) == "EscalationScreen")
    await open_screen(pilot, app, "n", name="ActionForm")
    await burst(pilot, *"200", "ctrl+s")
    await until(pilot, lambda: screen_name(app) == "EscalationScreen")
    await open_screen(pilot, app, "G", "d", name="ConfirmScreen")
    await burst(pilot, "y")
    await until(pilot, lambda: screen_name(app) == "EscalationScreen")
    await burst(pilot, "p", "down", "enter")
    await burst(pilot, "j", "e", "ctrl+s")  # P1's first response gets its own ladder
    await until(pilot, lambda: screen_name(app) == "EscalationScreen")
    await open_screen(pilot, app, "r", name="ConfirmScreen")
    await burst(pilot, "y")
    await settle(pilot)
    await back_to_queue(pilot, app)
    await open_screen(pilot, app, "M", name="MessagesScreen")
    await until(pilot, lambda: bool(getattr(app.screen, "shown", None)))
    await burst(pilot, "r", "j", "r", "ctrl+r")
    await settle(pilot)
    await back_to_queue(pilot, app)
    await open_screen(pilot, app, "S", name="SetupScreen")
    await open_screen(pilot, app, "u", name="UsersScreen")
    await open_screen(pilot, app, "m", name="AddressForm")
    await burst(pilot, *"json://127.0.0.1:9/x", "ctrl+s")
    await until(pilot, lambda: screen_name(app) == "UsersScreen")
    await back_to_queue(pilot, app)
    await open_screen(pilot, app, "S", name="SetupScreen")
    await open_screen(pilot, app, "c", name="RecordsScreen")
    await open_screen(pilot, app, "m", name="AddressForm")
    await burst(pilot, "ctrl+s")
    await settle(pilot)
    await back_to_queue(pilot, app)


TOURS: dict[str, Tour] = {
    "queue": queue_tour, "detail": detail_tour, "ticket_forms": ticket_forms_tour, "new_ticket": new_ticket_tour,
    "form_paths": form_paths_tour,
    "lists": lists_tour, "list_forms": list_forms_tour, "setup": setup_tour, "reports": reports_tour,
    "escalation": escalation_tour,
}


@pytest.mark.parametrize("name", TOURS)
async def test_no_store_call_on_the_ui_thread(world: Store, ui_guard: UIThreadGuard, name: str) -> None:  # noqa: F811
    make_ticket(world, priority=1)
    make_ticket(world, priority=2, description="Printer jams")
    app = app_for(world)
    with ui_guard.watching():
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await until(pilot, lambda: len(app.screen.query_one("#queue").rows) >= 2)  # type: ignore[attr-defined]
            await TOURS[name](pilot, app)
            await settle(pilot)
    assert not ui_guard.sites, f"store calls on the UI thread:\n{ui_guard.report()}"


def test_the_guard_sees_a_call_on_the_ui_thread(store: Store, ui_guard: UIThreadGuard) -> None:  # noqa: F811
    """The watch itself: a call on this (the UI) thread is recorded, one from a worker thread is not."""
    import threading

    with ui_guard.watching():
        worker = threading.Thread(target=lambda: store.settings.timezone)
        worker.start()
        worker.join()
        assert not ui_guard.sites
        store.users.find()
    assert sum(ui_guard.sites.values()) >= 1
