"""Fees and invoices in the console (issue 25): the close form shows the
schedule's proposal item by item and charges it when the fee is left blank,
a different fee needs a reason; Setup → Fees saves the schedule; 'F' lists
the invoices unchecked after N days, 'i' records a number and 'c' checks it."""

from __future__ import annotations

from decimal import Decimal

from console_helpers import app_for, queue, settle, until
from textual.widgets import Static
from ticket_helpers import RECORD, make, to_onsite, to_resolved

from console.screens.form import ActionForm
from console.screens.invoices import InvoicesScreen
from store import Store

SCHEDULE = {"labour": "hourly", "hourly_rate": "120", "call_out": "50", "parts_margin": "0.15", "rounding": "1"}


def _hint(app) -> str:
    return str(app.screen.query_one(".hint", Static).render())


def _resolved_with_parts(store: Store, clock) -> int:
    store.fees.set_schedule(SCHEDULE)
    store.parts.add_part(code="DB-40", name="drive belt")
    store.parts.receive_parts("DB-40", 3, "11.11")
    t = to_onsite(store, make(store))
    store.parts.use_parts(t.id, "DB-40", 3, location="store")
    clock.advance(minutes=61)
    return store.tickets.resolve(t.id, t.version, **RECORD).id


async def test_the_close_form_proposes_the_fee_and_blank_charges_it(store: Store, clock) -> None:
    tid = _resolved_with_parts(store, clock)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: queue(app).current is not None and queue(app).current.id == tid)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ActionForm)
        hint = _hint(app)
        for words in ("Labour  billed 1h30m", "¥180.00", "Call-out", "¥50.00", "DB-40 drive belt  3 units", "¥38.33",
                      "Rounding", "-¥0.33", "Proposed fee: ¥268.00"):
            assert words in hint, (words, hint)
        await pilot.press("ctrl+s")  # the sign-off prefilled, the fee blank: the proposal
        await settle(pilot)
        closed = store.tickets.ticket(tid)
        assert (closed.status, closed.fee, closed.fee_proposed, closed.fee_reason) == (
            "closed", Decimal("268"), Decimal("268"), None)


async def test_a_different_fee_needs_a_reason_in_the_form(store: Store, clock) -> None:
    tid = _resolved_with_parts(store, clock)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: queue(app).current is not None and queue(app).current.id == tid)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("tab", *"250", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ActionForm)
        error = str(app.screen.query_one("#e-reason", Static).render())
        assert "required: the fee differs from the proposed ¥268.00" in error
        assert store.tickets.ticket(tid).status == "resolved"
        await pilot.press("tab", *"regular customer", "ctrl+s")
        await settle(pilot)
        closed = store.tickets.ticket(tid)
        assert (closed.fee, closed.fee_reason) == (Decimal("250"), "regular customer")


async def test_setup_fees_saves_the_schedule(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, ActionForm)
        await pilot.press("tab", *"300", "tab", *"200", "ctrl+s")  # labour P1 and P2
        await settle(pilot)
        schedule = store.settings.fee_schedule()
        assert schedule is not None and schedule.per_priority == {1: Decimal("300"), 2: Decimal("200")}


async def test_the_invoices_list_records_and_checks(store: Store, clock) -> None:
    old = to_resolved(store, make(store))
    old = store.tickets.close(old.id, old.version, signoff="A", fee="120")
    clock.advance(days=8)
    new = to_resolved(store, make(store))
    store.tickets.close(new.id, new.version, signoff="B", fee="80")
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InvoicesScreen)
        await until(pilot, lambda: [i.ticket_id for i in screen.shown] == [old.id])  # unchecked after 7 days
        assert "1 invoice unchecked after 7 days" in str(screen.query_one("#invoices-title", Static).render())
        await pilot.press("a")  # every unchecked one
        await until(pilot, lambda: [i.ticket_id for i in screen.shown] == [old.id, new.id])
        await pilot.press("c")  # no number yet: says why, writes nothing
        await settle(pilot)
        assert store.tickets.ticket(old.id).invoice_checked_at is None
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, ActionForm)
        await pilot.press(*"INV-0042", "ctrl+s")
        await settle(pilot)
        assert store.tickets.ticket(old.id).invoice_no == "INV-0042"
        await until(pilot, lambda: app.screen is screen and screen.shown[0].number == "INV-0042")
        await pilot.press("c")
        await settle(pilot)
        checked = store.tickets.ticket(old.id)
        assert (checked.invoice_checked_by, checked.invoice_checked_at) == ("ann", clock.now)
        await until(pilot, lambda: [i.ticket_id for i in screen.shown] == [new.id])
