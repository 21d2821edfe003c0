"""A ticket's life through the store (docs/rules.md §1): each step, what it
stamps and logs, the guards between steps, reassignment and cancelling."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import MutableClock
from pendulum import DateTime
from ticket_helpers import RECORD, event_count, ids, make, row, to_onsite, to_resolved

from store import NotFound, RuleViolation, Store, ValidationFailed


def test_full_lifecycle(store: Store, clock: MutableClock, now: DateTime) -> None:
    t = make(store)
    assert (t.status, t.version, t.priority, t.reported_at, t.created_by) == ("new", 1, 2, now, "ann")
    assert (t.site_name, t.equipment_tag, t.technician_id, t.repeat_of) == ("Head Office", "HQ-ATM-A", None, None)
    r = row(store, t.id)
    assert (r.next_clock, r.due_at, r.risk_at, r.window_s) == (
        "response", now.add(minutes=30), now.add(minutes=22, seconds=30), 1800,
    )

    clock.advance(minutes=5)
    t = store.tickets.respond(t.id, t.version, note="called back, fault confirmed")
    assert (t.version, t.first_response_at, t.status) == (2, now.add(minutes=5), "new")
    assert (row(store, t.id).next_clock, row(store, t.id).due_at) == ("onsite", now.add(hours=2))

    clock.advance(minutes=5)
    t = store.tickets.assign(t.id, t.version, technician_id=1)
    assert (t.status, t.technician_id, t.technician_name, t.assigned_at) == (
        "assigned", 1, "Li Wei", now.add(minutes=10),
    )

    clock.advance(minutes=30)
    t = store.tickets.arrive(t.id, t.version, mode="remote")
    assert (t.status, t.arrival_mode, t.arrived_at) == ("onsite", "remote", now.add(minutes=40))
    assert (row(store, t.id).next_clock, row(store, t.id).due_at) == ("resolve", now.add(hours=8))

    clock.advance(minutes=10)
    t = store.tickets.hold(t.id, t.version, reason="parts", note="waiting for a roller")
    assert (t.status, t.wait_reason) == ("waiting", "parts")
    r = row(store, t.id)
    assert r.due_at is None and r.risk_at is None
    assert r.frozen_left_s == (8 * 60 - 50) * 60  # 7 h 10 min left when it stopped
    assert store.tickets.pauses(t.id)[0].end is None

    clock.advance(hours=2)
    t = store.tickets.resume(t.id, t.version)
    assert (t.status, t.wait_reason) == ("onsite", None)
    assert row(store, t.id).due_at == now.add(hours=10)  # pushed by the two hours waited
    assert store.tickets.pauses(t.id)[0].end == now.add(hours=2, minutes=50)

    clock.advance(hours=1)
    t = store.tickets.resolve(t.id, t.version, **RECORD)
    assert (t.status, t.resolved_at) == ("resolved", now.add(hours=3, minutes=50))
    assert (t.symptom, t.cause, t.action, t.parts) == tuple(RECORD.values())
    r = row(store, t.id)  # still open: waits for the customer's sign-off
    assert (r.next_clock, r.due_at) == (None, None)
    assert [c.met_on_time for c in store.tickets.clocks(t.id)] == [True, True, True]

    clock.advance(hours=1)
    t = store.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee="85.50")
    assert (t.status, t.closed_at, t.signoff, t.fee, t.version) == (
        "closed", now.add(hours=4, minutes=50), "Mrs Zhao", Decimal("85.50"), 8,
    )
    assert t.id not in ids(store.queue.find())
    assert [e.action for e in store.tickets.timeline(t.id)] == [
        "ticket.create", "ticket.respond", "ticket.assign", "ticket.arrive", "ticket.pause",
        "ticket.resume", "ticket.resolve", "ticket.close",
    ]
    assert store.tickets.timeline(t.id)[1].new["note"] == "called back, fault confirmed"

def test_arrival_confirms_the_first_response(store: Store, clock: MutableClock, now: DateTime) -> None:
    t = make(store)
    clock.advance(minutes=20)
    t = to_onsite(store, t)
    assert t.first_response_at == now.add(minutes=20)
    with pytest.raises(RuleViolation, match="already logged"):
        store.tickets.respond(t.id, t.version)
    with pytest.raises(RuleViolation, match="already logged"):
        store.tickets.arrive(t.id, t.version)

def test_assigning_a_waiting_ticket_keeps_it_waiting(store: Store, clock: MutableClock) -> None:
    t = make(store)
    t = store.tickets.hold(t.id, t.version, reason="customer")
    t = store.tickets.assign(t.id, t.version, technician_id=2)
    assert (t.status, t.technician_id) == ("waiting", 2)
    t = store.tickets.resume(t.id, t.version)
    assert t.status == "assigned"

def test_unknown_ticket_and_technician(store: Store) -> None:
    with pytest.raises(NotFound, match="#99"):
        store.tickets.ticket(99)
    with pytest.raises(NotFound):
        store.tickets.respond(99, 1)
    with pytest.raises(NotFound):
        store.tickets.clocks(99)
    t = make(store)
    with pytest.raises(ValidationFailed) as info:
        store.tickets.assign(t.id, t.version, technician_id=42)
    assert info.value.errors == {"technician_id": "no such technician"}

def test_resolve_needs_the_repair_record(store: Store) -> None:
    t = to_onsite(store, make(store))
    with pytest.raises(ValidationFailed) as info:
        store.tickets.resolve(t.id, t.version)
    assert set(info.value.errors) == {"symptom", "cause", "action", "parts"}
    with pytest.raises(ValidationFailed) as info:
        store.tickets.resolve(t.id, t.version, symptom="jam", cause=" ", action="", parts="none")
    assert info.value.errors == {"cause": "required", "action": "required"}
    assert store.tickets.ticket(t.id).version == t.version

def test_close_before_resolve_is_refused(store: Store) -> None:
    t = to_onsite(store, make(store))
    before = event_count(store)
    with pytest.raises(RuleViolation, match="Resolve the ticket before closing it"):
        store.tickets.close(t.id, t.version, signoff="Mrs Zhao")
    assert store.tickets.ticket(t.id).status == "onsite"
    assert event_count(store) == before  # a refused write leaves no trace
    with pytest.raises(RuleViolation, match="before resolving"):
        store.tickets.resolve(make(store).id, 1, **RECORD)

def test_close_needs_a_signoff(store: Store) -> None:
    t = to_resolved(store, make(store))
    with pytest.raises(ValidationFailed) as info:
        store.tickets.close(t.id, t.version, signoff="")
    assert info.value.errors == {"signoff": "required"}

def test_cancel_needs_a_reason(store: Store, clock: MutableClock) -> None:
    t = make(store)
    with pytest.raises(ValidationFailed) as info:
        store.tickets.cancel(t.id, t.version, reason="  ")
    assert info.value.errors == {"reason": "required"}
    t = store.tickets.hold(t.id, t.version, reason="customer")
    clock.advance(minutes=3)
    t = store.tickets.cancel(t.id, t.version, reason="reported twice")
    assert (t.status, t.cancel_reason, t.cancelled_at) == ("cancelled", "reported twice", clock())
    assert store.tickets.pauses(t.id)[0].end == clock()  # the open pause ends with the ticket
    assert t.id not in ids(store.queue.find())
    with pytest.raises(RuleViolation, match="cancelled ticket cannot be cancelled"):
        store.tickets.cancel(t.id, t.version, reason="again")
    done = to_resolved(store, make(store))
    with pytest.raises(RuleViolation, match="resolved ticket cannot be cancelled"):
        store.tickets.cancel(done.id, done.version, reason="too late")

def test_reassign_needs_a_reason_and_keeps_history(store: Store, clock: MutableClock) -> None:
    t = store.tickets.assign(make(store).id, 1, technician_id=1)
    with pytest.raises(RuleViolation, match="reassignment needs a reason") as info:
        store.tickets.assign(t.id, t.version, technician_id=3)
    assert info.value.field == "reason"
    with pytest.raises(RuleViolation, match="already assigned"):
        store.tickets.assign(t.id, t.version, technician_id=1, reason="again")
    clock.advance(minutes=15)
    t = store.tickets.assign(t.id, t.version, technician_id=3, reason="Li Wei is off sick")
    assert (t.technician_name, t.assigned_at) == ("Wang Fang", clock())
    assign, reassign = [e for e in store.tickets.timeline(t.id) if "assign" in e.action]
    assert (assign.action, assign.new["technician_id"], assign.new["status"]) == ("ticket.assign", 1, "assigned")
    assert assign.old == {"technician_id": None, "assigned_at": None, "status": "new"}
    assert reassign.action == "ticket.reassign"
    assert reassign.old["technician_id"] == 1
    assert reassign.new["technician_id"] == 3
    assert reassign.new["reason"] == "Li Wei is off sick"
    assert (reassign.actor, reassign.at) == ("ann", clock())

def test_reassigning_an_onsite_ticket_waits_for_the_new_technician(store: Store) -> None:
    t = to_onsite(store, make(store), tech=1)
    t = store.tickets.assign(t.id, t.version, technician_id=3, reason="needs a network expert")
    assert t.status == "assigned"
    t = store.tickets.arrive(t.id, t.version)
    assert t.status == "onsite"
