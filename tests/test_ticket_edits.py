"""Tickets as they really happen: edits with a reason, work notes, times phoned in late."""

from __future__ import annotations

import pytest
from console_helpers import make_ticket

from store import Store
from store.errors import EditConflict, RuleViolation, ValidationFailed
from store.rules.history import Names, entries
from store.timeutil import from_db


def last_event(store: Store, tid: int):
    return store.tickets.timeline(tid)[-1]


def test_priority_change_needs_a_reason_and_recomputes_deadlines_from_the_report(store: Store, clock) -> None:
    t = make_ticket(store, priority=3)  # P3: response 1 h from the report
    reported = t.reported_at
    clock.advance(minutes=10)
    with pytest.raises(ValidationFailed) as err:
        store.tickets.edit_ticket(t.id, t.version, priority=1)
    assert "reason" in err.value.errors
    t2 = store.tickets.edit_ticket(t.id, t.version, priority=1, reason="whole branch offline")
    # P1: 15 min response, counted from the report time, not from the edit.
    assert t2.priority == 1 and t2.version == t.version + 1
    response = next(c for c in store.tickets.clocks(t.id) if c.clock == "response")
    assert response.due == reported.add(minutes=15)
    due = store.db.q("SELECT due_at FROM tickets WHERE id = ?", (t.id,))[0][0]
    assert from_db(due) == reported.add(minutes=15)
    e = last_event(store, t.id)
    assert e.action == "ticket.edit"
    assert e.old == {"priority": 3} and e.new == {"priority": 1, "reason": "whole branch offline"}


def test_edit_audits_each_field_old_to_new(store: Store) -> None:
    t = make_ticket(store, reporter="Wang", phone="13800000000", description="ATM swallows cards")
    t = store.tickets.edit_ticket(t.id, t.version, reporter="Wang Lei", phone="139 1111 2222", category="cash",
                          description="ATM swallows cards at the lobby", site_id=2, equipment_id=3)
    e = last_event(store, t.id)
    assert e.old == {"reporter": "Wang", "phone": "13800000000", "category": "atm",
                     "description": "ATM swallows cards", "site_id": 1, "equipment_id": 1}
    assert e.new["reporter"] == "Wang Lei" and e.new["site_id"] == 2 and e.new["equipment_id"] == 3
    entry = entries([e], Names({}, {1: "Head Office", 2: "North Branch"}, {1: "HQ-ATM-A", 3: "NB-ATM-A"}), "UTC")[0]
    assert entry.verb == "edited"
    assert "Reporter: Wang → Wang Lei" in entry.changes
    assert "Site: Head Office → North Branch" in entry.changes


def test_edit_is_validated_refused_when_closed_and_stale_like_the_others(store: Store) -> None:
    t = make_ticket(store)
    with pytest.raises(ValidationFailed) as err:
        store.tickets.edit_ticket(t.id, t.version, phone="call me")
    assert "phone" in err.value.errors
    with pytest.raises(ValidationFailed) as err:
        store.tickets.edit_ticket(t.id, t.version, equipment_id=3)  # at North Branch, the ticket is at Head Office
    assert "equipment_id" in err.value.errors
    with pytest.raises(ValidationFailed):
        store.tickets.edit_ticket(t.id, t.version, status="closed")
    with pytest.raises(RuleViolation, match="Nothing to save"):
        store.tickets.edit_ticket(t.id, t.version, reporter=t.reporter)
    store.tickets.edit_ticket(t.id, t.version, reporter="Li")
    # The same field changed meanwhile to another value: a conflict, nothing saved (tests/test_merge_edits.py).
    with pytest.raises(EditConflict):
        store.tickets.edit_ticket(t.id, t.version, reporter="Zhao")
    store.tickets.cancel(t.id, t.version + 1, reason="duplicate")
    with pytest.raises(RuleViolation, match="cancelled ticket cannot be edited"):
        store.tickets.edit_ticket(t.id, t.version + 2, reporter="Zhao")


def test_notes_are_appended_and_shown_in_the_timeline(store: Store, clock) -> None:
    t = make_ticket(store)
    clock.advance(minutes=3)
    store.tickets.add_note(t.id, "Caller says the branch closes at 17:00")
    store.tickets.add_note(t.id, "second note")
    assert store.tickets.ticket(t.id).version == t.version  # a note is not a change of the ticket
    tl = store.tickets.timeline(t.id)
    assert [e.action for e in tl] == ["ticket.create", "ticket.note", "ticket.note"]
    assert tl[1].actor == "ann" and tl[1].at == clock.now
    entry = entries(tl, Names({}, {}, {}), "UTC")[1]
    assert entry.verb == "note" and entry.changes == ["Note: Caller says the branch closes at 17:00"]
    with pytest.raises(ValidationFailed):
        store.tickets.add_note(t.id, "   ")
    # Append-only: the database refuses to change or remove one.
    import sqlite3
    with pytest.raises(sqlite3.IntegrityError):
        with sqlite3.connect(store.path) as raw:
            raw.execute("DELETE FROM events WHERE action = 'ticket.note'")
    # Closed tickets take notes too.
    store.tickets.cancel(t.id, t.version, reason="dup")
    store.tickets.add_note(t.id, "called back, all fine")


def test_times_phoned_in_late_are_accepted_and_audited_with_the_entry_time(store: Store, clock) -> None:
    t = make_ticket(store)  # reported 09:00 UTC (site zone is UTC here)
    clock.advance(minutes=10)
    t = store.tickets.assign(t.id, t.version, technician_id=1)  # 09:10
    clock.advance(minutes=50)  # 10:00
    t = store.tickets.respond(t.id, t.version, at="09:05", note="called back")
    assert t.first_response_at == clock.now.set(hour=9, minute=5)
    e = last_event(store, t.id)
    assert e.at == clock.now  # entered at 10:00
    assert e.new["stated_at"] == "2026-11-25T09:05:00Z"
    t = store.tickets.arrive(t.id, t.version, at="11-25 09:40")
    assert t.arrived_at == clock.now.set(hour=9, minute=40)
    t = store.tickets.hold(t.id, t.version, at="09:45", reason="parts")
    t = store.tickets.resume(t.id, t.version, at="09:55")
    p = store.tickets.pauses(t.id)[0]
    assert (p.start.minute, p.end.minute) == (45, 55)
    t = store.tickets.resolve(t.id, t.version, at="2026-11-25 09:58", symptom="s", cause="c", action="a", parts="none")
    assert t.resolved_at == clock.now.set(hour=9, minute=58)
    assert last_event(store, t.id).new["stated_at"] == "2026-11-25T09:58:00Z"
    # In the timeline: the stated time beside the entry time.
    entry = entries([last_event(store, t.id)], Names({}, {}, {}), "UTC")[0]
    assert "Time stated: 09:58" in entry.changes


@pytest.mark.parametrize(("at", "message"), [
    ("10:30", "has not come yet today (now 10:00); for yesterday's, type yesterday 10:30"),
    ("yesterday 10:30", "is before the report"),
    ("11-25 11:00", "is in the future"),
    ("08:59", "is before the report"),
    ("25:00", "a time like 14:05"),
    ("soon", "a time like 14:05"),
])
def test_late_times_refused_with_a_message(store: Store, clock, at: str, message: str) -> None:
    t = make_ticket(store)
    clock.advance(hours=1)  # 10:00
    with pytest.raises(ValidationFailed) as err:
        store.tickets.respond(t.id, t.version, at=at)
    assert message in err.value.errors["at"]
    assert store.tickets.ticket(t.id).version == t.version


def test_a_step_is_never_before_the_step_before_it(store: Store, clock) -> None:
    t = make_ticket(store)
    clock.advance(minutes=30)
    t = store.tickets.assign(t.id, t.version, technician_id=1)  # 09:30
    clock.advance(minutes=30)
    with pytest.raises(ValidationFailed, match="before the assignment"):
        store.tickets.arrive(t.id, t.version, at="09:20")
    t = store.tickets.arrive(t.id, t.version, at="09:40")
    with pytest.raises(ValidationFailed, match="before the arrival"):
        store.tickets.resolve(t.id, t.version, at="09:35", symptom="s", cause="c", action="a", parts="none")
    t = store.tickets.hold(t.id, t.version, at="09:50", reason="customer")
    with pytest.raises(ValidationFailed, match="before the start of the hold"):
        store.tickets.resume(t.id, t.version, at="09:45")
    t = store.tickets.resume(t.id, t.version)  # no time: now
    with pytest.raises(ValidationFailed, match="before the end of the hold"):
        store.tickets.resolve(t.id, t.version, at="09:55", symptom="s", cause="c", action="a", parts="none")
    assert "stated_at" not in last_event(store, t.id).new


# ------------------------------------------------------------------ console
async def test_edit_form_prefilled_reason_required_then_saved(store: Store) -> None:
    from console_helpers import app_for, burst, settle, until
    from textual.widgets import Input, Select, Static

    from console.screens.edit_ticket import EditTicketScreen
    from console.screens.main import MainScreen

    t = make_ticket(store, priority=3, reporter="Wang")
    app = app_for(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "e")
        await until(pilot, lambda: isinstance(app.screen, EditTicketScreen))
        screen = app.screen
        assert screen.query_one("#f-reporter", Input).value == "Wang"
        assert screen.query_one("#f-site_id").input.value == "Head Office"
        assert "recomputes the deadlines from the report time" in str(screen.query_one(".hint", Static).render())
        screen.query_one("#f-priority", Select).value = 1
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: "needs a reason" in str(screen.query_one("#e-reason", Static).render()))
        screen.query_one("#f-reason", Input).focus()
        await burst(pilot, *"whole branch down", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
    t2 = store.tickets.ticket(t.id)
    assert t2.priority == 1
    e = store.tickets.timeline(t.id)[-1]
    assert e.old == {"priority": 3} and e.new == {"priority": 1, "reason": "whole branch down"}


async def test_note_key_adds_a_note_shown_in_the_detail_timeline(store: Store) -> None:
    from console_helpers import app_for, burst, settle, until

    from console.screens.detail import DetailScreen

    t = make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "m", *"caller away until 3pm", "ctrl+s")
        await settle(pilot)
        assert store.tickets.timeline(t.id)[-1].new == {"note": "caller away until 3pm"}
        await burst(pilot, "enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.ticket is not None)
        await settle(pilot)
        text = " ".join(str(w.render()) for w in app.screen.query("#timeline Static"))
        assert "note" in text and "caller away until 3pm" in text


async def test_step_form_takes_a_stated_time_and_refuses_a_future_one(store: Store, clock) -> None:
    from console_helpers import app_for, burst, settle, until
    from textual.widgets import Static

    from console.screens.form import ActionForm

    t = make_ticket(store)
    clock.advance(hours=1)  # 10:00; reported 09:00 (UTC site)
    app = app_for(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "r", "tab", *"11-25 10:30", "ctrl+s")
        assert isinstance(app.screen, ActionForm)
        await until(pilot, lambda: "in the future" in str(app.screen.query_one("#e-at", Static).render()))
        await burst(pilot, *["backspace"] * 11, *"09:20", "ctrl+s")
        await settle(pilot)
    t2 = store.tickets.ticket(t.id)
    assert t2.first_response_at == clock.now.set(hour=9, minute=20)
    e = store.tickets.timeline(t.id)[-1]
    assert e.new["stated_at"] == "2026-11-25T09:20:00Z" and e.at == clock.now
