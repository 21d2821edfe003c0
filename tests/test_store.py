"""The Store API on a real temporary SQLite file, with a hand-moved clock."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum
import pytest
from conftest import MutableClock
from pendulum import DateTime

from store import (
    NotFound,
    PermissionDenied,
    QueueFilter,
    QueueRow,
    RuleViolation,
    StaleTicket,
    Store,
    StoreError,
    Ticket,
    ValidationFailed,
)
from store.migrations import SCHEMA_VERSION

RECORD = {"symptom": "card reader jams", "cause": "worn roller", "action": "replaced roller", "parts": "roller x1"}


def data(**overrides: Any) -> dict[str, Any]:
    """Valid input for create_ticket (ATM at Head Office, P2)."""
    out: dict[str, Any] = {
        "channel": "phone", "reporter": "Mrs Zhao", "phone": "010 6666 8888", "site_id": 1,
        "equipment_id": 1, "category": "atm", "priority": 2, "description": "ATM swallows cards",
    }
    out.update(overrides)
    return out


def make(store: Store, **overrides: Any) -> Ticket:
    return store.tickets.create_ticket(data(**overrides))


def to_onsite(store: Store, t: Ticket, tech: int = 1) -> Ticket:
    t = store.tickets.assign(t.id, t.version, technician_id=tech)
    return store.tickets.arrive(t.id, t.version)


def to_resolved(store: Store, t: Ticket, tech: int = 1) -> Ticket:
    t = to_onsite(store, t, tech)
    return store.tickets.resolve(t.id, t.version, **RECORD)


def row(store: Store, ticket_id: int) -> QueueRow:
    (found,) = [r for r in store.queue.find(limit=1000) if r.id == ticket_id]
    return found


def ids(rows: Iterable[QueueRow]) -> list[int]:
    return [r.id for r in rows]


def event_count(store: Store) -> int:
    return store.admin.stats()["events"]


# -------------------------------------------------------------- lifecycle

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
    t = store.tickets.pause(t.id, t.version, reason="parts", note="waiting for a roller")
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
    t = store.tickets.pause(t.id, t.version, reason="customer")
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


# ------------------------------------------------------- input validation

def test_create_ticket_validation(store: Store) -> None:
    with pytest.raises(ValidationFailed) as info:
        store.tickets.create_ticket(data(reporter="  ", phone="call me", priority=5, description=""))
    errors = info.value.errors
    assert set(errors) == {"reporter", "phone", "priority", "description"}
    assert errors["reporter"] == "required"
    assert "digits" in errors["phone"]
    with pytest.raises(ValidationFailed) as info:
        store.tickets.create_ticket(data(site_id=9))
    assert info.value.errors == {"site_id": "no such site"}
    with pytest.raises(ValidationFailed) as info:
        store.tickets.create_ticket(data(site_id=2, equipment_id=1))
    assert info.value.errors == {"equipment_id": "this equipment is at another site"}
    with pytest.raises(ValidationFailed) as info:
        store.tickets.create_ticket(data(colour="red"))
    assert "colour" in info.value.errors
    assert store.admin.stats()["tickets"] == 0


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


@pytest.mark.parametrize("fee", ["abc", "-1", "1.234", "12,50", -0.01])
def test_bad_fee_is_refused(store: Store, fee: Any) -> None:
    t = to_resolved(store, make(store))
    with pytest.raises(ValidationFailed) as info:
        store.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee=fee)
    assert set(info.value.errors) == {"fee"}
    assert store.tickets.ticket(t.id).status == "resolved"


@pytest.mark.parametrize(
    ("fee", "stored"),
    [(None, None), ("", None), ("  ", None), (120, Decimal(120)), ("85.5", Decimal("85.50")), ("0", Decimal(0)),
     (" 19.99 ", Decimal("19.99"))],
)
def test_good_fee_is_stored(store: Store, fee: Any, stored: Decimal | None) -> None:
    t = to_resolved(store, make(store))
    t = store.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee=fee)
    assert t.fee == stored


def test_cancel_needs_a_reason(store: Store, clock: MutableClock) -> None:
    t = make(store)
    with pytest.raises(ValidationFailed) as info:
        store.tickets.cancel(t.id, t.version, reason="  ")
    assert info.value.errors == {"reason": "required"}
    t = store.tickets.pause(t.id, t.version, reason="customer")
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


def test_blank_actor_cannot_write(db_path: Path, store: Store, clock: MutableClock) -> None:
    nobody = Store(db_path, clock=clock, actor="  ")
    try:
        with pytest.raises(PermissionDenied):
            nobody.tickets.create_ticket(data())
    finally:
        nobody.close()


def test_close_db_closes_the_connection(db_path: Path, clock: MutableClock) -> None:
    s = Store(db_path, create=True, clock=clock, actor="ann")
    s.close()
    with pytest.raises((StoreError, sqlite3.ProgrammingError)):
        s.queue.find()


# ----------------------------------------------------- reassign, history

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


# ---------------------------------------------------------------- queue

def test_queue_order(store: Store, clock: MutableClock, now: DateTime) -> None:
    p2_late = make(store, priority=2)  # response due 09:30
    p1 = make(store, priority=1)  # due 09:15
    p2_early = make(store, priority=2, reported_at=now.subtract(minutes=10))  # due 09:20
    p3 = make(store, priority=3)
    p2_resolved = to_resolved(store, make(store, priority=2))
    clock.advance(minutes=5)
    p2_paused_long = make(store, priority=2)
    p2_paused_long = store.tickets.pause(p2_paused_long.id, 1, reason="customer")  # 30 min frozen
    clock.advance(minutes=5)
    p2_paused_short = store.tickets.pause(p2_late.id, 1, reason="customer")  # 20 min frozen
    p2_breached = make(store, priority=2, reported_at=now.subtract(hours=1))  # due 08:30, overdue
    p1_resolved = to_resolved(store, make(store, priority=1))
    assert ids(store.queue.find()) == [
        p1.id, p1_resolved.id,
        p2_breached.id, p2_early.id, p2_paused_short.id, p2_paused_long.id, p2_resolved.id,
        p3.id,
    ]
    # The order holds when a paused ticket resumes: it runs again by its new deadline.
    clock.advance(minutes=20)
    store.tickets.resume(p2_paused_long.id, p2_paused_long.version)  # 30 min left at 09:30 → due 10:00
    order = ids(store.queue.find(QueueFilter(priorities=(2,))))
    assert order == [p2_breached.id, p2_early.id, p2_paused_long.id, p2_paused_short.id, p2_resolved.id]


def test_queue_filters(store: Store) -> None:
    a = make(store, description="Display shows % signs")
    b = make(store, description="cash_box jammed", category="cash", priority=1)
    c = make(store, description="printer out of paper", site_id=1, equipment_id=2, category="printer",
             reporter="Mr Qian")
    d = make(store, description="switch is down", site_id=2, equipment_id=4, category="network", priority=3)
    e = make(store, description="ATM offline", site_id=2, equipment_id=3, priority=1)
    store.tickets.assign(b.id, 1, technician_id=1)  # Alpha Team
    store.tickets.assign(d.id, 1, technician_id=3)  # Bravo Team
    store.tickets.pause(e.id, 1, reason="parts")

    def q(**kw: Any) -> set[int]:
        f = QueueFilter(**kw)
        found = ids(store.queue.find(f))
        assert store.queue.queue_count(f) == len(found)
        return set(found)

    everything = {a.id, b.id, c.id, d.id, e.id}
    assert q() == everything
    assert q(statuses=("new",)) == {a.id, c.id}
    assert q(statuses=("assigned", "waiting")) == {b.id, d.id, e.id}
    assert q(priorities=(1,)) == {b.id, e.id}
    assert q(priorities=(1, 3)) == {b.id, d.id, e.id}
    assert q(team_id=1) == {b.id}
    assert q(team_id=2) == {d.id}
    assert q(unassigned=True) == {a.id, c.id, e.id}
    assert q(unassigned=True, priorities=(1,)) == {e.id}
    # Text: description, reporter, site, asset tag, technician; LIKE wildcards are literal.
    assert q(text="%") == {a.id}
    assert q(text="_") == {b.id}
    assert q(text="\\") == set()
    assert q(text="JAMMED") == {b.id}
    assert q(text="qian") == {c.id}
    assert q(text="north branch") == {d.id, e.id}
    assert q(text="NB-NET") == {d.id}
    assert q(text="wang fang") == {d.id}
    assert q(text="  ") == everything
    # '#123' is a ticket number.
    assert q(text=f"#{c.id}") == {c.id}
    assert q(text=f"{d.id}") == {d.id}
    assert q(text="#999") == set()
    assert QueueFilter().active is False and QueueFilter(text="x").active is True


def test_queue_paging_and_position(store: Store, clock: MutableClock) -> None:
    tickets = []
    for _ in range(7):
        tickets.append(make(store))
        clock.advance(minutes=1)
    full = ids(store.queue.find())
    assert full == [t.id for t in tickets]  # same priority: earliest deadline first
    assert ids(store.queue.find(offset=2, limit=3)) == full[2:5]
    assert ids(store.queue.find(offset=6, limit=10)) == full[6:]
    assert store.queue.find(offset=7) == []
    for index, ticket_id in enumerate(full):
        assert store.queue.queue_position(ticket_id) == index
    # Positions within a filter, and None when the ticket is not in it.
    store.tickets.pause(tickets[0].id, 1, reason="parts")
    store.tickets.assign(tickets[3].id, 1, technician_id=2)
    unassigned = QueueFilter(unassigned=True)
    # The paused ticket goes after the running ones.
    assert ids(store.queue.find(unassigned)) == [tickets[i].id for i in (1, 2, 4, 5, 6, 0)]
    assert store.queue.queue_position(tickets[1].id, unassigned) == 0
    assert store.queue.queue_position(tickets[4].id, unassigned) == 2
    assert store.queue.queue_position(tickets[0].id, unassigned) == 5
    assert store.queue.queue_position(tickets[3].id, unassigned) is None
    assert store.queue.queue_position(tickets[0].id, QueueFilter(text="swallows")) == 6
    assert store.queue.queue_position(tickets[0].id, QueueFilter(text="no such words")) is None
    assert store.queue.queue_position(999) is None
    cancelled = store.tickets.cancel(tickets[6].id, 1, reason="duplicate")
    assert store.queue.queue_position(cancelled.id) is None


# ------------------------------------------------------ counts, crossings

def test_counts_follow_the_clock(store: Store, clock: MutableClock, now: DateTime) -> None:
    p1 = make(store, priority=1)  # response due 09:15, at risk from 09:11:15
    make(store, priority=2)  # due 09:30, at risk from 09:22:30
    resolved = to_resolved(store, make(store, priority=4))

    def counts(at: DateTime) -> tuple[int, int, int, int]:
        c = store.queue.counts(at)
        return c.open, c.at_risk, c.breached, c.unassigned

    assert counts(now) == (3, 0, 0, 2)
    assert counts(now.add(minutes=11)) == (3, 0, 0, 2)
    assert counts(now.add(minutes=11, seconds=15)) == (3, 1, 0, 2)
    assert counts(now.add(minutes=15)) == (3, 0, 1, 2)
    assert counts(now.add(minutes=23)) == (3, 1, 1, 2)
    assert counts(now.add(hours=1)) == (3, 0, 2, 2)
    clock.advance(minutes=12)
    assert store.queue.counts().at_risk == 1  # defaults to the store's clock
    # A paused clock keeps its state: P1 stopped with 3 minutes of 15 left is at risk.
    store.tickets.pause(p1.id, 1, reason="customer")
    assert counts(now.add(days=3)) == (3, 1, 1, 2)
    store.tickets.close(resolved.id, resolved.version, signoff="ok")
    assert counts(now.add(days=3)) == (2, 1, 1, 2)


def test_counts_of_a_clock_paused_after_its_deadline(store: Store, clock: MutableClock) -> None:
    t = make(store, priority=1)
    clock.advance(minutes=20)
    store.tickets.pause(t.id, 1, reason="customer")  # the clock had already run out
    c = store.queue.counts()
    assert (c.breached, c.at_risk) == (1, 0)


def test_crossings(store: Store, now: DateTime) -> None:
    p1 = make(store, priority=1)  # risk 09:11:15, due 09:15
    p2 = make(store, priority=2)  # risk 09:22:30, due 09:30

    def crossed(a: int, b: int) -> list[tuple[int, str, str]]:
        return [(c.ticket_id, c.clock, c.state)
                for c in store.queue.crossings(now.add(minutes=a), now.add(minutes=b))]

    assert crossed(0, 11) == []
    assert crossed(11, 12) == [(p1.id, "response", "at_risk")]
    assert crossed(14, 15) == [(p1.id, "response", "breached")]
    assert crossed(15, 16) == []  # (since, until]: already counted
    assert store.queue.crossings(now.add(minutes=11, seconds=15), now.add(minutes=12)) == []
    assert [c.state for c in store.queue.crossings(now.add(minutes=11), now.add(minutes=11, seconds=15))] == ["at_risk"]
    assert crossed(10, 16) == [(p1.id, "response", "breached")]
    assert crossed(20, 30) == [(p2.id, "response", "breached")]
    assert crossed(20, 25) == [(p2.id, "response", "at_risk")]
    assert [c.ticket_id for c in store.queue.crossings(now, now.add(hours=1))] == [p1.id, p2.id]  # queue order
    assert store.queue.crossings(now, now.add(hours=1))[0].site_name == "Head Office"


# ------------------------------------------------ technicians, candidates

def test_technician_load(store: Store) -> None:
    a = store.tickets.assign(make(store).id, 1, technician_id=1)
    b = to_onsite(store, make(store), tech=1)
    to_resolved(store, make(store), tech=1)  # resolved: no longer load
    closed = to_resolved(store, make(store), tech=3)
    store.tickets.close(closed.id, closed.version, signoff="ok")
    store.tickets.assign(make(store, site_id=2, equipment_id=4, category="network").id, 1, technician_id=3)
    load = {t.name: (t.open_load, t.current_ticket) for t in store.people.technicians()}
    assert load == {
        "Li Wei": (2, b.id),  # the ticket on site is the current one
        "Zhang Min": (0, None),
        "Chen Jie": (0, None),
        "Wang Fang": (1, closed.id + 1),
    }
    assert a.technician_id == 1
    names = [t.name for t in store.people.technicians()]
    assert names == ["Li Wei", "Zhang Min", "Chen Jie", "Wang Fang"]  # by team, then name
    li = store.people.technicians()[0]
    assert (li.team_name, li.skills, li.on_duty) == ("Alpha Team", ("atm", "cash"), True)


def test_candidates_rank_skill_then_load(store: Store) -> None:
    t = make(store)  # an ATM
    ranked = [(tech.name, skilled) for tech, skilled in store.reference.candidates(t.id)]
    # Chen Jie has the skill but is off duty.
    assert ranked == [("Li Wei", True), ("Wang Fang", True), ("Zhang Min", False)]
    store.tickets.assign(make(store).id, 1, technician_id=1)  # Li Wei now has one open ticket
    ranked = [(tech.name, skilled) for tech, skilled in store.reference.candidates(t.id)]
    assert ranked == [("Wang Fang", True), ("Li Wei", True), ("Zhang Min", False)]
    store.people.set_on_duty(4, True)
    ranked = [(tech.name, skilled) for tech, skilled in store.reference.candidates(t.id)]
    assert ranked == [("Chen Jie", True), ("Wang Fang", True), ("Li Wei", True), ("Zhang Min", False)]
    printer = make(store, equipment_id=2, category="printer")
    assert store.reference.candidates(printer.id)[0] == (store.people.technicians()[1], True)  # Zhang Min
    with pytest.raises(NotFound):
        store.people.set_on_duty(99, True)


# --------------------------------------------------------- second repairs

def test_second_repair_links_both_ways(store: Store, clock: MutableClock) -> None:
    first = to_resolved(store, make(store))
    resolved_at = first.resolved_at
    assert resolved_at is not None
    clock.set(resolved_at.add(days=30))
    second = make(store)
    assert second.repeat_of == first.id
    assert [t.id for t in store.tickets.linked(first.id)] == [second.id]
    assert [t.id for t in store.tickets.linked(second.id)] == [first.id]
    assert row(store, second.id).repeat_of == first.id
    # Other equipment is not a second repair.
    assert make(store, equipment_id=2, category="printer").repeat_of is None
    assert make(store, equipment_id=None).repeat_of is None
    # One second past the window it is a new fault.
    clock.set(resolved_at.add(days=30, seconds=1))
    assert make(store).repeat_of is None  # the first is too old, the second unresolved


def test_second_repair_window_is_configurable(store: Store, clock: MutableClock) -> None:
    first = to_resolved(store, make(store))
    assert first.resolved_at is not None
    store.settings.set_setting("repeat_window_days", 7)
    assert store.settings.setting("repeat_window_days") == 7
    clock.set(first.resolved_at.add(days=7))
    assert make(store).repeat_of == first.id
    clock.set(first.resolved_at.add(days=7, seconds=1))
    assert make(store, equipment_id=3, site_id=2).repeat_of is None
    late = make(store)
    assert late.repeat_of is None  # the earlier ones are unresolved or too old
    store.settings.set_setting("repeat_window_days", 60)
    assert make(store).repeat_of == first.id
    for bad in (0, -3, "30", 2.5):
        with pytest.raises(RuleViolation, match="repeat_window_days"):
            store.settings.set_setting("repeat_window_days", bad)


def test_second_repair_picks_the_latest_resolved(store: Store, clock: MutableClock) -> None:
    older = to_resolved(store, make(store))
    clock.advance(days=2)
    newer = to_resolved(store, make(store))
    assert newer.repeat_of == older.id
    unresolved = make(store)  # open, not resolved: never the earlier repair
    clock.advance(days=1)
    third = make(store)
    assert third.repeat_of == newer.id
    assert {t.id for t in store.tickets.linked(newer.id)} == {older.id, unresolved.id, third.id}


# -------------------------------------------------------- policy, settings

def test_set_policy_recomputes_open_tickets(store: Store, now: DateTime) -> None:
    open_ = make(store, priority=3)
    other = make(store, priority=2)
    assert row(store, open_.id).due_at == now.add(hours=1)
    store.settings.set_policy(3, 10, 20, 30)
    assert store.settings.policy()[3].response_min == 10
    r = row(store, open_.id)
    assert (r.due_at, r.window_s, r.risk_at) == (now.add(minutes=10), 600, now.add(minutes=7, seconds=30))
    assert row(store, other.id).due_at == now.add(minutes=30)  # other priorities untouched
    assert store.tickets.clocks(open_.id)[2].due == now.add(minutes=30)
    for bad in [(0, 10, 20), (30, 20, 40), (10, 20, 15)]:
        with pytest.raises(RuleViolation, match="SLA windows"):
            store.settings.set_policy(3, *bad)


def test_business_calendar_setting_recomputes(store: Store, clock: MutableClock) -> None:
    clock.set(pendulum.datetime(2026, 11, 27, 17, 0))  # Friday 17:00 UTC
    t = make(store, priority=3)  # 60 minutes
    assert row(store, t.id).due_at == pendulum.datetime(2026, 11, 27, 18, 0)
    store.settings.set_setting("calendar", {"kind": "business", "opens": "08:30", "closes": "17:30"})
    assert row(store, t.id).due_at == pendulum.datetime(2026, 11, 30, 9, 0)  # Monday
    store.settings.set_setting("timezone", "Asia/Shanghai")  # Monday 08:30 in Shanghai is 00:30 UTC
    assert row(store, t.id).due_at == pendulum.datetime(2026, 11, 30, 1, 30)
    with pytest.raises(RuleViolation, match="time zone"):
        store.settings.set_setting("timezone", "Mars/Olympus")
    with pytest.raises(RuleViolation, match="Unknown setting"):
        store.settings.set_setting("colour", "red")


# ------------------------------------------------------------ audit log

def test_every_write_adds_exactly_one_event(store: Store, clock: MutableClock) -> None:
    def once(action: str, write: Callable[[], Any]) -> Any:
        clock.advance(minutes=1)
        before = event_count(store)
        result = write()
        assert event_count(store) == before + 1, action
        event = store.tickets.events(1)[0]
        assert (event.action, event.actor, event.at) == (action, "ann", clock()), action
        return result

    t = once("ticket.create", lambda: make(store))
    assert store.tickets.timeline(t.id)[0].new["reporter"] == "Mrs Zhao"
    t = once("ticket.respond", lambda: store.tickets.respond(t.id, t.version))
    t = once("ticket.assign", lambda: store.tickets.assign(t.id, t.version, technician_id=1))
    t = once("ticket.reassign", lambda: store.tickets.assign(t.id, t.version, technician_id=3, reason="busy"))
    t = once("ticket.arrive", lambda: store.tickets.arrive(t.id, t.version))
    t = once("ticket.pause", lambda: store.tickets.pause(t.id, t.version, reason="parts"))
    t = once("ticket.resume", lambda: store.tickets.resume(t.id, t.version))
    t = once("ticket.resolve", lambda: store.tickets.resolve(t.id, t.version, **RECORD))
    t = once("ticket.close", lambda: store.tickets.close(t.id, t.version, signoff="Mrs Zhao"))
    u = make(store)
    once("ticket.cancel", lambda: store.tickets.cancel(u.id, u.version, reason="duplicate"))
    once("settings.set", lambda: store.settings.set_setting("center_name", "Bank Repair Center"))
    once("sla_policy.set", lambda: store.settings.set_policy(4, 60, 480, 2880))
    once("technician.duty", lambda: store.people.set_on_duty(2, False))
    once("import.test", lambda: store.admin.load("import.test", {"sites": [
        {"id": 3, "code": "SB", "name": "South Branch", "address": ""}]}, {"rows": 1}))
    # Refused writes leave nothing behind.
    before = event_count(store)
    for refused in (
        lambda: store.tickets.resume(t.id, t.version),
        lambda: store.tickets.respond(t.id, 1),
        lambda: store.tickets.create_ticket(data(phone="x")),
        lambda: store.settings.set_policy(1, 0, 0, 0),
    ):
        with pytest.raises(StoreError):
            refused()
    assert event_count(store) == before


def test_events_are_append_only(store: Store, db_path: Path) -> None:
    make(store)
    raw = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("UPDATE events SET actor = 'mallory'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("DELETE FROM events")
        raw.rollback()
    finally:
        raw.close()
    assert {e.actor for e in store.tickets.events()} == {"ann"}
    assert event_count(store) == 2 + len(store.users.find())  # the seed, the users added (conftest) and the ticket


# --------------------------------------------------- concurrency, polling

def test_two_connections_stale_write_is_refused(store: Store, db_path: Path, clock: MutableClock, now: DateTime) -> None:
    t = make(store)
    bob = Store(db_path, clock=clock, actor="bob")
    try:
        seen_by_ann = store.tickets.ticket(t.id)
        seen_by_bob = bob.tickets.ticket(t.id)
        assert seen_by_ann.version == seen_by_bob.version == 1
        clock.advance(minutes=5)
        store.tickets.assign(t.id, seen_by_ann.version, technician_id=1)
        clock.advance(minutes=1)
        with pytest.raises(StaleTicket) as info:
            bob.tickets.assign(t.id, seen_by_bob.version, technician_id=3)
        err = info.value
        assert (err.ticket_id, err.by, err.at, err.version) == (t.id, "ann", now.add(minutes=5), 2)
        assert "ann" in str(err) and "2026-11-25 09:05:00" in str(err) and f"#{t.id}" in str(err)
        for s in (store, bob):
            shown = s.tickets.ticket(t.id)
            assert (shown.version, shown.technician_id, shown.updated_by) == (2, 1, "ann")
        assert [e.actor for e in bob.tickets.timeline(t.id)] == ["ann", "ann"]
        # Bob reloads and tries again on the version he now sees.
        again = bob.tickets.assign(t.id, bob.tickets.ticket(t.id).version, technician_id=3, reason="closer")
        assert (again.version, again.technician_id, again.updated_by) == (3, 3, "bob")
    finally:
        bob.close()


def test_data_version_changes_only_on_other_commits(store: Store, db_path: Path, clock: MutableClock) -> None:
    watcher = Store(db_path, clock=clock, actor="viewer")
    try:
        v0 = watcher.db.data_version()
        watcher.queue.find()
        watcher.queue.counts()
        watcher.tickets.ticket(make(store).id)  # the commit here is another connection's
        v1 = watcher.db.data_version()
        assert v1 != v0
        watcher.queue.find()
        watcher.people.technicians()
        assert watcher.db.data_version() == v1  # reads change nothing
        store.people.set_on_duty(1, False)
        v2 = watcher.db.data_version()
        assert v2 != v1
        assert watcher.db.data_version() == v2
    finally:
        watcher.close()


def test_store_reads_its_reference_data(store: Store) -> None:
    assert [s.code for s in store.reference.sites()] == ["HQ", "NB"]
    assert [s.code for s in store.reference.sites("river")] == ["NB"]
    assert store.reference.sites("%") == []
    assert store.reference.site(2).name == "North Branch"
    with pytest.raises(NotFound):
        store.reference.site(9)
    assert [e.asset_tag for e in store.reference.equipment(site_id=2)] == ["NB-ATM-A", "NB-NET-A"]
    assert [e.asset_tag for e in store.reference.equipment(query="atm")] == ["HQ-ATM-A", "NB-ATM-A"]
    assert [t.name for t in store.people.teams()] == ["Alpha Team", "Bravo Team"]
    assert store.admin.schema_version() == SCHEMA_VERSION
    assert store.admin.check() == []
    assert store.admin.max_ticket_id() == 0


def test_counts_after_crossings_match_a_recount(store, clock) -> None:
    """The console moves the header counts by crossings instead of a query each second."""
    base = {"reporter": "R", "phone": "123", "site_id": 1, "category": "atm", "description": "d"}
    for priority in (1, 2, 3, 4, 1, 2):
        store.tickets.create_ticket({**base, "priority": priority})
        clock.advance(minutes=3)
    before_time = clock()
    counts = store.queue.counts(before_time)
    for step in range(40):
        since = clock()
        now = clock.advance(minutes=7)
        counts = counts.after(store.queue.crossings(since, now))
        assert counts == store.queue.counts(now), step
    assert before_time < clock()


@pytest.mark.parametrize("fee", ["nan", "Infinity", "-1", "1e30", "100000000000000000000", "1.234"])
def test_bad_fees_are_field_errors(store, fee) -> None:
    t = store.tickets.create_ticket({"reporter": "R", "phone": "123", "site_id": 1, "priority": 3, "description": "d"})
    store.tickets.assign(t.id, 1, technician_id=1)
    store.tickets.arrive(t.id, 2)
    store.tickets.resolve(t.id, 3, symptom="s", cause="c", action="a", parts="none")
    with pytest.raises(ValidationFailed) as info:
        store.tickets.close(t.id, 4, signoff="Li", fee=fee)
    assert set(info.value.errors) == {"fee"}


def test_conflict_message_strips_escapes_from_the_other_actor(store, db_path, clock) -> None:
    t = store.tickets.create_ticket({"reporter": "R", "phone": "123", "site_id": 1, "priority": 3, "description": "d"})
    # Only a raw write to the file can stamp such a name now (no user has it).
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE tickets SET version = 2, updated_by = ? WHERE id = ?", ("eve\x1b]52;c;aGk=\x07\x1b[31m", t.id))
    raw.commit()
    raw.close()
    with pytest.raises(StaleTicket) as info:
        store.tickets.respond(t.id, 1)
    assert "\x1b" not in str(info.value) and "eve" in str(info.value)
