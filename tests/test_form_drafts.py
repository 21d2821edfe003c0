"""Nothing typed is lost (issue 22): esc on any form with typed text asks
first, and "close, keep draft" brings the text back when the same form is
opened again (until the console closes). Driven with keys sent as bursts."""

from __future__ import annotations

import pytest
from conftest import FOREMEN, add_people
from console_helpers import app_for, burst, make_ticket, settle, until
from loop_helpers import close_ticket
from test_callbacks import YESTERDAY, plan
from textual.widgets import Input, Select, TextArea

from console.screens.main import MainScreen
from console.screens.new_ticket import NewTicketScreen
from console.widgets.confirm import ConfirmScreen
from console.widgets.picker import Picker
from store import Store


def value(app, field: str) -> str:
    widget = app.screen.query_one(f"#{field}")
    return widget.text if isinstance(widget, TextArea) else app.screen.query_one(f"#{field}", Input).value


async def test_new_ticket_esc_asks_and_the_kept_draft_comes_back(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", *"Zhang", "tab", *"13800001111", "tab", *"North", "enter", "escape")
        assert isinstance(app.screen, ConfirmScreen)  # asked, not closed
        await burst(pilot, "escape")  # back to the form: nothing lost
        assert isinstance(app.screen, NewTicketScreen) and value(app, "f-reporter") == "Zhang"
        await burst(pilot, "escape", "k")  # close, keep the draft
        assert isinstance(app.screen, MainScreen)
        await burst(pilot, "n")
        assert isinstance(app.screen, NewTicketScreen)
        assert (value(app, "f-reporter"), value(app, "f-phone")) == ("Zhang", "13800001111")
        site = app.screen.query_one("#f-site_id", Picker)
        assert site.value == 2 and "North Branch" in site.input.value  # the site picked, not only its text
        assert "draft" in list(app._notifications)[-1].message
        # The draft's site still scopes the equipment search: NB's equipment only.
        app.screen.query_one("#f-equipment_id", Picker).input.focus()
        await burst(pilot, *"ATM")
        options = app.screen.query_one("#f-equipment_id OptionList")
        assert options.option_count == 1 and "NB-ATM-A" in str(options.get_option_at_index(0).prompt)
        await burst(pilot, "enter")
        app.screen.query_one("#f-description").focus()
        await burst(pilot, *"cash jam", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        # Saved: the draft is spent, the next new ticket starts empty.
        await burst(pilot, "n")
        assert value(app, "f-reporter") == "" and app.screen.query_one("#f-site_id", Picker).value is None
        await burst(pilot, "escape")  # unchanged: closes without asking
        assert isinstance(app.screen, MainScreen)
    t = store.tickets.ticket(store.admin.max_ticket_id())
    assert (t.reporter, t.phone, t.site_id, t.equipment_id, t.description) == (
        "Zhang", "13800001111", 2, 3, "cash jam")


async def test_discard_drops_the_draft(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", *"Zhang", "escape", "d")
        assert isinstance(app.screen, MainScreen)
        await burst(pilot, "n")
        assert value(app, "f-reporter") == ""


# Each form: the keys that open it from the queue, the field typed into, the text.
FORMS = [
    pytest.param(["S", "s", "n"], "f-code", "BJ09", id="site"),
    pytest.param(["S", "e", "n"], "f-asset_tag", "ATM-9", id="equipment"),
    pytest.param(["S", "t", "n"], "f-name", "Night crew", id="team"),
    pytest.param(["S", "c", "n"], "f-name", "Sun Li", id="technician"),
    pytest.param(["S", "u", "a"], "f-login", "sun.li", id="user"),
    pytest.param(["S", "s", "i"], "f-path", "~/sites.csv", id="csv import"),
    pytest.param(["C", "n"], "f-complainant", "Mr Zhou", id="complaint"),
    pytest.param(["m"], "f-text", "called the branch", id="note"),
    pytest.param(["r"], "f-note", "fault confirmed", id="first response"),
    pytest.param(["w", "tab"], "f-note", "parts on order", id="hold"),
]


@pytest.mark.parametrize(("keys", "field", "text"), FORMS)
async def test_every_form_keeps_a_draft(store: Store, keys: list[str], field: str, text: str) -> None:
    make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, *keys)
        form = app.screen
        if field == "f-complainant":
            await burst(pilot, "tab")
        await burst(pilot, *text, "escape")
        assert isinstance(app.screen, ConfirmScreen), f"{type(form).__name__} closed without asking"
        await burst(pilot, "k")
        assert app.screen is not form
        await burst(pilot, *keys[-1:] if keys[-1] != "tab" else keys)
        await until(pilot, lambda: bool(app.screen.query(f"#{field}")) and value(app, field) == text)


async def test_edit_a_record_keeps_its_draft_per_record(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "s", "e")  # the first site (HQ)
        await burst(pilot, "tab", "ctrl+u", *"Main Office", "escape", "k")
        await burst(pilot, "down", "e")  # another site: its own values, not the draft
        assert value(app, "f-name") == "North Branch"
        await burst(pilot, "escape", "up", "e")
        assert value(app, "f-name") == "Main Office"


async def test_calendar_line_keeps_its_draft(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "l")
        await settle(pilot)
        await burst(pilot, "a", *"2026-12-25 Christmas", "escape")
        assert isinstance(app.screen, ConfirmScreen)
        await burst(pilot, "k", "a")
        assert value(app, "edit") == "2026-12-25 Christmas"
        await burst(pilot, *" Day")  # typed on at its end (it came back selected: a key replaced it)
        assert value(app, "edit") == "2026-12-25 Christmas Day"


@pytest.fixture
def day(store: Store, clock) -> list[int]:
    add_people(store, *FOREMEN)
    return [close_ticket(store, clock, 1 + i % 4, YESTERDAY.add(hours=8 + i)) for i in range(12)]


async def test_a_half_logged_callback_is_kept_as_a_draft(store: Store, day: list[int]) -> None:
    from console.screens.callback_log import CallbackLogScreen

    plan(store)
    store.actor = "bob"
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "K")
        await settle(pilot)
        first = store.callbacks.my_callbacks("bob")[0]
        await burst(pilot, "enter", "y", "y", "y", "1", *"very kind", "escape")
        assert isinstance(app.screen, ConfirmScreen)
        await burst(pilot, "k", "enter")
        assert isinstance(app.screen, CallbackLogScreen)
        assert app.screen.rating == "satisfied" and value(app, "note") == "very kind"
        await burst(pilot, "enter")
        await until(pilot, lambda: store.callbacks.callback(first.id).status == "done")
        assert store.callbacks.callback(first.id).notes == "very kind"


@pytest.mark.parametrize("gone", [Select.NULL, "no-such-category"])
async def test_a_draft_whose_choice_is_gone_still_opens(store: Store, gone) -> None:
    """CI once opened a form before its choices were read and kept a draft with
    no choice; reopened with the choices there, the form failed to open."""
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "e", "n")
        await until(pilot, lambda: bool(app.screen.query("#f-asset_tag")))
        await burst(pilot, *"ATM-9", "escape", "k")
        (slot,) = [k for k in app.drafts if k[1][0] == "record-equipment"]
        app.drafts[slot] = {**app.drafts[slot], "category": gone}
        await burst(pilot, "n")
        await until(pilot, lambda: bool(app.screen.query("#f-asset_tag")) and value(app, "f-asset_tag") == "ATM-9")
        category = app.screen.query_one("#f-category", Select)
        assert category.value is not gone  # the field keeps a choice it offers


async def slow_list_keys(app, pilot, store: Store, monkeypatch, read: str, keys: str) -> None:
    """Setup's list read (``store.<repo>.<name>``, as ``read`` names it) held while ``keys`` arrive in one
    burst; let go once it has started and the keys have had their chance (the
    app's loop turned a bounded number of times: with the list's first read
    awaited the screen takes no message meanwhile, so no pilot.pause)."""
    import asyncio
    import threading

    from textual import events

    started, go = threading.Event(), threading.Event()
    repo, name = read.split(".")
    method = getattr(getattr(store, repo), name)

    def held(*args, **kwargs):
        started.set()
        go.wait(30)
        return method(*args, **kwargs)

    monkeypatch.setattr(getattr(store, repo), name, held)
    await burst(pilot, "S")
    try:
        for key in keys:
            app._driver.send_message(events.Key(key, key))
        await asyncio.to_thread(started.wait, 30)
        for _ in range(5000):  # the keys after the list's: acted on now, or held for its rows
            if len(app.screen_stack) > 3:  # (queue, setup, list) and a form above them
                break
            await asyncio.sleep(0)
    finally:
        go.set()


async def test_a_form_opened_right_after_its_list_has_its_choices(store: Store, monkeypatch) -> None:
    """'n' typed right after the list's key, while the list is read in its
    thread: the form has its choices, its duty field holds 'on duty' (not a
    blank field with no choices), and a kept draft comes back whole (a blank
    kept for that field made the second form fail)."""
    from textual.widgets import Select

    from console.screens.record_form import RecordForm

    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await slow_list_keys(app, pilot, store, monkeypatch, "people.technicians", "cn")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        duty = app.screen.query_one("#f-on_duty", Select)
        await until(pilot, lambda: duty.value is True)
        await burst(pilot, *"Sun Li", "escape", "k")
        await burst(pilot, "n")
        await until(pilot, lambda: isinstance(app.screen, RecordForm) and value(app, "f-name") == "Sun Li")
        assert app.screen.query_one("#f-on_duty", Select).value is True


async def test_edit_right_after_the_list_edits_its_first_record(store: Store, monkeypatch) -> None:
    """'e' typed right after the list's key acts on the list's rows (it was
    refused: 'the list is empty', the rows not read yet)."""
    from console.screens.record_form import RecordForm

    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await slow_list_keys(app, pilot, store, monkeypatch, "reference.sites", "se")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        assert value(app, "f-name") == "Head Office"
