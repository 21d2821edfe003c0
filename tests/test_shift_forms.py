"""A real shift's form defects: nothing typed is lost, conflicts re-render,
the footer follows the ticket's state, buttons say what they do."""

from __future__ import annotations

from console_helpers import app_for, burst, make_ticket, queue, settle, until
from textual.widgets import Button, Input, Static, TextArea

from console.screens.assign import AssignScreen
from console.screens.detail import DetailScreen
from console.screens.form import ActionForm
from console.screens.main import MainScreen
from console.widgets.confirm import ConfirmScreen
from store import Store


def footer_actions(app) -> set[str]:
    return {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show}


def general_error(app) -> str:
    return str(app.screen.query_one("#e-general", Static).render())


async def test_esc_on_a_changed_form_asks_and_a_kept_draft_comes_back(store: Store) -> None:
    t = make_ticket(store)
    store.tickets.assign(t.id, 1, technician_id=1)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "x", *"duplicate of #9", "escape")
        assert isinstance(app.screen, ConfirmScreen)
        await burst(pilot, "escape")  # back to the form: nothing lost
        assert isinstance(app.screen, ActionForm)
        assert app.screen.query_one("#f-reason", Input).value == "duplicate of #9"
        await burst(pilot, "escape", "k")  # close, keep the draft
        assert isinstance(app.screen, MainScreen)
        await burst(pilot, "x")
        assert app.screen.query_one("#f-reason", Input).value == "duplicate of #9"
        await burst(pilot, "escape", "d")  # discard: the next form starts empty
        await burst(pilot, "x")
        assert app.screen.query_one("#f-reason", Input).value == ""
        await burst(pilot, "escape")  # unchanged: closes without asking
        assert isinstance(app.screen, MainScreen)
    assert store.tickets.ticket(t.id).status == "assigned"


async def test_refused_after_a_state_change_keeps_the_form_and_says_why(store: Store, db_path, clock) -> None:
    t = make_ticket(store)
    store.tickets.assign(t.id, 1, technician_id=1)
    store.tickets.arrive(t.id, 2)
    other = Store(db_path, actor="bob", clock=clock)
    app = app_for(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "v", *"no cash", "tab", *"worn belt", "tab", *"new belt", "tab", *"belt x1")
        other.tickets.hold(t.id, 3, reason="parts")  # put on hold underneath
        await burst(pilot, "ctrl+s")
        assert isinstance(app.screen, ActionForm)
        await until(pilot, lambda: "Now:" in general_error(app))
        message = general_error(app)
        assert "bob" in message and "Status: on site → on hold" in message
        assert "Now: Resume the ticket before resolving it." in message
        assert app.screen.query_one("#f-cause", TextArea).text == "worn belt"
    other.close()


async def test_assign_conflict_rerenders_as_reassign_with_reason(store: Store, db_path, clock) -> None:
    t = make_ticket(store)
    other = Store(db_path, actor="alice", clock=clock)
    app = app_for(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "a")
        assert isinstance(app.screen, AssignScreen)
        assert not app.screen.query_one("#row-reason").display
        other.tickets.assign(t.id, 1, technician_id=3)
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: app.screen.query_one("#row-reason").display)
        message = general_error(app)
        assert "alice" in message and "Technician: Wang Fang" in message
        assert "Reassign" in str(app.screen.query_one("#title", Static).render())
        assert "Reassign" in str(app.screen.query_one("#save", Button).label)
        await burst(pilot, "tab", *"closer to the branch", "ctrl+s")
        assert not isinstance(app.screen, AssignScreen)
    assert store.tickets.ticket(t.id).technician_id != 3
    other.close()


async def test_conflict_time_is_in_the_site_zone(store: Store, db_path, clock) -> None:
    store.settings.set_setting("timezone", "Asia/Shanghai")  # 09:00 UTC is 17:00 there
    t = make_ticket(store)
    other = Store(db_path, actor="alice", clock=clock)
    other.tickets.respond(t.id, 1)
    from store.errors import StaleTicket

    try:
        store.tickets.cancel(t.id, 1, reason="dup")
    except StaleTicket as exc:
        assert "17:00:00" in str(exc) and "UTC" not in str(exc)
    else:
        raise AssertionError("a stale write went through")
    other.close()


async def test_footer_shows_only_what_the_state_allows(store: Store) -> None:
    t = make_ticket(store)
    store.tickets.assign(t.id, 1, technician_id=1)
    store.tickets.arrive(t.id, 2)
    store.tickets.resolve(t.id, 3, symptom="s", cause="c", action="a", parts="none")
    store.tickets.close(t.id, 4, signoff="Wang")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.open_detail(t.id)
        await settle(pilot)
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.ticket is not None)
        shown = footer_actions(app)
        assert not shown & {"assign", "resolve", "respond", "close_ticket", "cancel_ticket"}
        assert "app.help" in shown
        await burst(pilot, "a")  # says why at once, opens nothing
        assert isinstance(app.screen, DetailScreen)
        assert "closed ticket cannot be assigned" in list(app._notifications)[-1].message


async def test_waiting_ticket_offers_resume_and_responded_says_why_at_once(store: Store) -> None:
    t = make_ticket(store)
    store.tickets.respond(t.id, 1)
    store.tickets.hold(t.id, 2, reason="customer")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        shown = footer_actions(app)
        assert {"resume", "cancel_ticket", "assign"} <= shown and "respond" not in shown
        await burst(pilot, "r")
        assert isinstance(app.screen, MainScreen)
        assert "already logged" in list(app._notifications)[-1].message


async def test_buttons_say_what_they_do(store: Store) -> None:
    make_ticket(store, description="ATM swallows cards")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "x")
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert labels == ["Cancel ticket (ctrl+s)", "Back (esc)"]
        title = str(app.screen.query_one(".title", Static).render())
        assert "Head Office" in title and "ATM swallows cards" in title
        await burst(pilot, "escape", ":")
        assert next(str(b.label) for b in app.screen.query(Button)) == "Go (enter)"


async def test_new_ticket_gets_the_cursor_and_forms_are_prefilled(store: Store, db_path, clock) -> None:
    for i in range(3):
        make_ticket(store, priority=1, description=f"urgent {i}")
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", *"Zhao", "tab", *"138 0000 1111", "tab", *"North")
        await settle(pilot)
        await burst(pilot, "enter")
        app.screen.query_one("#f-description", TextArea).text = "printer jam"
        await burst(pilot, "ctrl+s")
        new_id = store.admin.max_ticket_id()
        await until(pilot, lambda: queue(app).current is not None and queue(app).current.id == new_id)
        assert queue(app).cursor == 3  # P3 below the three P1 tickets
        other = Store(db_path, actor="bob", clock=clock)
        other.tickets.assign(new_id, 1, technician_id=1)
        other.tickets.arrive(new_id, 2)
        other.close()
        await until(pilot, lambda: queue(app).current.status == "onsite")
        await burst(pilot, "v")
        assert app.screen.query_one("#f-symptom", TextArea).text == "printer jam"
        await burst(pilot, "escape")
        if isinstance(app.screen, ConfirmScreen):
            await burst(pilot, "d")


async def test_errors_clear_as_fields_are_corrected(store: Store) -> None:
    make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "x", "ctrl+s")
        assert "required" in str(app.screen.query_one("#e-reason", Static).render())
        await burst(pilot, "d")
        assert str(app.screen.query_one("#e-reason", Static).render()) == ""


async def test_a_fee_above_the_ceiling_asks_before_saving(store: Store) -> None:
    t = make_ticket(store, reporter="Wang")
    store.tickets.assign(t.id, 1, technician_id=1)
    store.tickets.arrive(t.id, 2)
    store.tickets.resolve(t.id, 3, symptom="s", cause="c", action="a", parts="none")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "c")
        assert app.screen.query_one("#f-signoff", Input).value == "Wang"  # prefilled with the reporter
        await burst(pilot, "tab", *"6,000", "ctrl+s")
        assert isinstance(app.screen, ConfirmScreen)
        assert "¥6,000.00" in str(app.screen.query_one(".title", Static).render())
        await burst(pilot, "escape")  # back: nothing saved, the form keeps the fee
        assert isinstance(app.screen, ActionForm) and store.tickets.ticket(t.id).status == "resolved"
        assert app.screen.query_one("#f-fee", Input).value == "6,000"
        await burst(pilot, "ctrl+s", "y")
        await until(pilot, lambda: store.tickets.ticket(t.id).status == "closed")
    assert str(store.tickets.ticket(t.id).fee) == "6000"
