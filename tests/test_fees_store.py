"""Issue 25, fees and invoices in the store (store/repo/fees.py, fee_work.py):
the close proposes the fee from the schedule and the ticket's parts item by
item, records the items and any override with its reason; customer service
records and checks the invoice; every write replayed by ``dispatch check``."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from ticket_helpers import RECORD, event_count, make, to_onsite, to_resolved

from store import Store
from store.errors import PermissionDenied, RuleViolation, ValidationFailed

D = Decimal
HOURLY = {"labour": "hourly", "hourly_rate": "120", "step_minutes": 30, "call_out": "50", "parts_margin": "0.15"}
FLAT = {"labour": "priority", "per_priority": {"1": "300", "2": "200.50"}, "call_out": "50", "rounding": "1"}


def _check(store: Store) -> None:
    report = store.audit.verify_audit()
    assert report.ok, report.problems[:3]


@pytest.fixture
def belts(people: Store, clock) -> Store:
    """3 drive belts at 11.11 in the store: 3 used cost 33.33."""
    people.parts.add_part(code="DB-40", name="drive belt", unit_cost="11.11")
    people.parts.receive_parts("DB-40", 3, "11.11")
    return people


def test_hourly_proposal_is_exact_item_by_item_and_recorded_at_closing(belts: Store, clock) -> None:
    belts.fees.set_schedule(HOURLY)
    t = to_onsite(belts, make(belts))
    belts.parts.use_parts(t.id, "DB-40", 3, location="store")  # equipment 1 has no warranty: charged
    clock.advance(minutes=61)
    t = belts.tickets.resolve(t.id, t.version, **RECORD)
    fee = belts.fees.proposal(t.id)
    assert fee is not None
    # 61 minutes billed 90 at 120/h; parts 33.33 × 1.15 = 38.3295 -> 38.33.
    assert [(i.kind, i.amount, i.quantity) for i in fee.items] == [
        ("labour", D("180.00"), 90), ("call_out", D("50"), 1), ("part", D("38.33"), 3)]
    assert fee.total == D("268.33")
    closed = belts.tickets.close(t.id, t.version, signoff="Mrs Zhao")
    assert (closed.fee, closed.fee_proposed, closed.fee_reason) == (D("268.33"), D("268.33"), None)
    assert [(i["kind"], i["amount"]) for i in closed.fee_items] == [
        ("labour", "180.00"), ("call_out", "50"), ("part", "38.33")]
    assert closed.fee_items[2]["label"] == "DB-40 drive belt"
    _check(belts)


def test_flat_by_priority_with_a_rounding_line(belts: Store, clock) -> None:
    belts.fees.set_schedule(FLAT)
    t = to_onsite(belts, make(belts, priority=2))
    belts.parts.use_parts(t.id, "DB-40", 1, location="store")
    t = belts.tickets.resolve(t.id, t.version, **RECORD)
    fee = belts.fees.proposal(t.id)
    assert fee is not None
    # 200.50 + 50 + 11.11 = 261.61, rounded to whole yuan: 262, a line of +0.39.
    assert [(i.kind, i.amount) for i in fee.items] == [
        ("labour", D("200.50")), ("call_out", D("50")), ("part", D("11.11")), ("rounding", D("0.39"))]
    closed = belts.tickets.close(t.id, t.version, signoff="Mrs Zhao")
    assert closed.fee == D("262.00")
    _check(belts)


def test_an_override_needs_a_reason_and_keeps_it(store: Store, clock) -> None:
    store.fees.set_schedule(FLAT)
    t = to_resolved(store, make(store, priority=1))
    before = event_count(store)
    with pytest.raises(ValidationFailed) as caught:
        store.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee="300")
    assert caught.value.errors == {"reason": "required: the fee differs from the proposed ¥350.00"}
    assert event_count(store) == before and store.tickets.ticket(t.id).status == "resolved"
    closed = store.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee="300", reason="  regular   customer ")
    assert (closed.fee, closed.fee_proposed, closed.fee_reason) == (D("300"), D("350"), "regular customer")
    event = json.loads(store.db.value("SELECT new FROM events WHERE action = 'ticket.close' AND ticket_id = ?", (t.id,)))
    assert (event["fee_cents"], event["fee_proposed_cents"], event["fee_reason"]) == (30000, 35000, "regular customer")
    _check(store)


def test_without_a_schedule_the_fee_is_typed_as_before(store: Store) -> None:
    t = to_resolved(store, make(store))
    assert store.fees.proposal(t.id) is None
    with pytest.raises(ValidationFailed, match="reason"):
        store.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee="120", reason="because")
    closed = store.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee="120")
    assert (closed.fee, closed.fee_proposed, closed.fee_items) == (D("120"), None, ())


def test_a_bad_schedule_is_refused_in_one_line(store: Store) -> None:
    with pytest.raises(RuleViolation, match=r"^fee_schedule parts_margin: a share from 0 to 10"):
        store.fees.set_schedule({"parts_margin": "15"})
    assert store.settings.fee_schedule() is None


def test_customer_service_records_and_checks_the_invoice(store: Store, clock) -> None:
    t = to_resolved(store, make(store))
    t = store.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee="120")
    store.actor = "bob"  # a dispatcher: the front desk
    with pytest.raises(RuleViolation, match="no invoice number yet"):
        store.fees.check_invoice(t.id, t.version)
    with pytest.raises(ValidationFailed, match="invoice_no"):
        store.fees.record_invoice(t.id, t.version, "  ")
    clock.advance(hours=2)
    t = store.fees.record_invoice(t.id, t.version, " INV-2026-0042 ")
    assert (t.invoice_no, t.invoice_by, t.invoice_at, t.invoice_checked_at) == (
        "INV-2026-0042", "bob", clock.now, None)
    assert [i.ticket_id for i in store.fees.invoices(unchecked=True)] == [t.id]
    store.actor = "alice"
    clock.advance(days=1)
    t = store.fees.check_invoice(t.id, t.version)
    assert (t.invoice_checked_by, t.invoice_checked_at) == ("alice", clock.now)
    with pytest.raises(RuleViolation, match="already checked"):
        store.fees.check_invoice(t.id, t.version)
    with pytest.raises(RuleViolation, match="its number stays"):
        store.fees.record_invoice(t.id, t.version, "INV-9")
    assert store.fees.invoices(unchecked=True) == []
    assert store.fees.invoices()[0].checked_by == "alice"
    _check(store)


def test_a_foreman_may_not_touch_invoices_and_an_open_ticket_has_none(people: Store) -> None:
    t = to_resolved(people, make(people))
    with pytest.raises(RuleViolation, match="not closed"):
        people.fees.record_invoice(t.id, t.version, "INV-1")
    t = people.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee="80")
    people.actor = "fay"
    with pytest.raises(PermissionDenied, match="record invoices"):
        people.fees.record_invoice(t.id, t.version, "INV-1")
    people.actor = "ann"
    u = to_resolved(people, make(people))
    u = people.tickets.close(u.id, u.version, signoff="Mrs Zhao")
    with pytest.raises(RuleViolation, match="without a fee"):
        people.fees.record_invoice(u.id, u.version, "INV-2")


def test_unchecked_invoices_older_than_the_setting_are_listed(store: Store, clock) -> None:
    old = to_resolved(store, make(store))
    old = store.tickets.close(old.id, old.version, signoff="A", fee="10")
    clock.advance(days=5)
    new = to_resolved(store, make(store))
    store.tickets.close(new.id, new.version, signoff="B", fee="20")
    clock.advance(days=3)  # old: 8 days, new: 3 days
    assert [i.ticket_id for i in store.fees.overdue_invoices()] == [old.id]
    assert [i.ticket_id for i in store.fees.invoices(unchecked=True, older_days=2)] == [old.id, new.id]
    store.settings.set_setting("invoice_check_days", 10)
    assert store.fees.overdue_invoices() == []
    with pytest.raises(RuleViolation, match="invoice_check_days"):
        store.settings.set_setting("invoice_check_days", 0)


def test_the_demo_has_invoices_checked_unchecked_and_overdue_and_a_schedule(demo_copy, now) -> None:
    from store.timeutil import fixed_clock

    s = Store(demo_copy(), clock=fixed_clock(now), actor="demo")
    try:
        every = s.fees.invoices()
        checked = [i for i in every if i.checked_at is not None]
        numbered = [i for i in every if i.number is not None and i.checked_at is None]
        bare = [i for i in every if i.number is None]
        assert checked and numbered and bare, (len(checked), len(numbered), len(bare))
        assert all(i.checked_by != i.recorded_by for i in checked)  # a second person checks
        assert s.fees.overdue_invoices()  # some unchecked for more than 7 days
        assert s.settings.fee_schedule() is not None
        assert s.audit.verify_audit().ok
    finally:
        s.close()


def test_the_timeline_says_the_fee_change_and_the_invoice_in_words(store: Store, clock) -> None:
    from store.rules.history import Names, entries

    store.fees.set_schedule(FLAT)
    t = to_resolved(store, make(store, priority=1))
    t = store.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee="300", reason="regular customer")
    t = store.fees.record_invoice(t.id, t.version, "INV-7")
    store.fees.check_invoice(t.id, t.version)
    said = [(e.verb, e.changes) for e in entries(store.tickets.timeline(t.id), Names({}, {}, {}), "UTC")][-3:]
    close, recorded, checked = said
    assert "Proposed fee: ¥350.00" in close[1] and "Why the fee differs: regular customer" in close[1]
    assert not any("label" in c or "INV" in c for c in close[1])  # the items are the detail's
    assert recorded == ("invoice recorded", ["Invoice: INV-7"]) and checked == ("invoice checked", [])
