"""The live queue (store.queue): its order, filters, paging and positions, the
header's counts as the clock moves, the crossings the console counts by, and
held clocks (docs/rules.md §2): frozen where they stopped, overdue ones first."""

from __future__ import annotations

from typing import Any

import pendulum
from conftest import MutableClock
from console_helpers import app_for, line_text, make_ticket, queue, settle, until
from pendulum import DateTime
from ticket_helpers import data, ids, make, row, to_resolved

from console.format import row_clock
from store import QueueFilter, Store


def test_queue_order(store: Store, clock: MutableClock, now: DateTime) -> None:
    p2_late = make(store, priority=2)  # response due 09:30
    p1 = make(store, priority=1)  # due 09:15
    p2_early = make(store, priority=2, reported_at=now.subtract(minutes=10))  # due 09:20
    p3 = make(store, priority=3)
    p2_resolved = to_resolved(store, make(store, priority=2))
    clock.advance(minutes=5)
    p2_paused_long = make(store, priority=2)
    p2_paused_long = store.tickets.hold(p2_paused_long.id, 1, reason="customer")  # 30 min frozen
    clock.advance(minutes=5)
    p2_paused_short = store.tickets.hold(p2_late.id, 1, reason="customer")  # 20 min frozen
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
    store.tickets.hold(e.id, 1, reason="parts")

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
    store.tickets.hold(tickets[0].id, 1, reason="parts")
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
    store.tickets.hold(p1.id, 1, reason="customer")
    assert counts(now.add(days=3)) == (3, 1, 1, 2)
    store.tickets.close(resolved.id, resolved.version, signoff="ok")
    assert counts(now.add(days=3)) == (2, 1, 1, 2)

def test_counts_of_a_clock_paused_after_its_deadline(store: Store, clock: MutableClock) -> None:
    t = make(store, priority=1)
    clock.advance(minutes=20)
    store.tickets.hold(t.id, 1, reason="customer")  # the clock had already run out
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


# ------------------------------------------- held clocks (docs/rules.md §2)

def test_store_counts_at_risk_under_business_hours(store: Store, clock: MutableClock) -> None:
    store.settings.set_setting("calendar", {"kind": "business", "opens": "08:30", "closes": "17:30"})
    clock.set(pendulum.datetime(2026, 11, 27, 17, 0))  # Friday 17:00 UTC
    t = store.tickets.create_ticket(data(priority=3))  # 60 working minutes: 30 Friday, 30 Monday
    assert store.queue.counts().at_risk == 0
    clock.set(pendulum.datetime(2026, 11, 30, 8, 44, 59))  # Monday: 15 min + 1 s left
    assert (store.queue.counts().at_risk, store.queue.counts().breached) == (0, 0)
    clock.set(pendulum.datetime(2026, 11, 30, 8, 45))
    assert (store.queue.counts().at_risk, store.queue.counts().breached) == (1, 0)
    clock.set(pendulum.datetime(2026, 11, 30, 9, 0))
    assert (store.queue.counts().at_risk, store.queue.counts().breached) == (0, 1)
    assert t.id

def test_store_hold_while_overdue_freezes_and_resumes(store: Store, clock: MutableClock) -> None:
    t = store.tickets.create_ticket(data(priority=2))  # response due 09:30
    clock.advance(minutes=77)  # 10:17, 47 min overdue
    t = store.tickets.hold(t.id, t.version, reason="customer")
    r = row(store, t.id)
    assert (r.due_at, r.frozen_left_s) == (None, -47 * 60.0)
    assert row_clock(r, clock().timestamp()) == ("=+47m", "breached")
    clock.advance(hours=12)  # still 47 minutes overdue, not 12h47m
    assert row_clock(row(store, t.id), clock().timestamp()) == ("=+47m", "breached")
    assert (store.queue.counts().breached, store.queue.counts().at_risk) == (1, 0)
    t = store.tickets.resume(t.id, t.version)
    r = row(store, t.id)
    assert r.due_at == clock().subtract(minutes=47)
    assert row_clock(r, clock().timestamp()) == ("+47m", "breached")
    clock.advance(minutes=1)
    assert row_clock(r, clock().timestamp()) == ("+48m", "breached")

def test_store_counts_held_clocks_at_their_boundaries(store: Store, clock: MutableClock) -> None:
    # P2 response: 30 minutes, at risk from 22:30 in.
    at_risk_edge = store.tickets.create_ticket(data())
    at_deadline = store.tickets.create_ticket(data())
    clock.advance(minutes=22, seconds=30)
    store.tickets.hold(at_risk_edge.id, at_risk_edge.version, reason="parts")  # 450 s frozen: a quarter
    clock.advance(minutes=7, seconds=30)
    store.tickets.hold(at_deadline.id, at_deadline.version, reason="parts")  # 0 s frozen: breached
    assert row(store, at_deadline.id).frozen_left_s == 0
    counts = store.queue.counts(clock().add(days=3))
    assert (counts.at_risk, counts.breached) == (1, 1)

def test_store_orders_held_tickets_most_overdue_first(store: Store, clock: MutableClock) -> None:
    running = store.tickets.create_ticket(data())  # due 09:30
    held = {}
    # Held with 20 min left, 0 left, 1 s overdue, 10 min overdue, 2 h overdue.
    for name, minutes in [("left20", 10), ("zero", 30), ("over1s", 30 + 1 / 60), ("over10", 40), ("over2h", 150)]:
        clock.set(pendulum.datetime(2026, 11, 25, 9, 0).add(seconds=round(minutes * 60)))
        t = store.tickets.create_ticket(data(reported_at=pendulum.datetime(2026, 11, 25, 9, 0)))
        held[name] = store.tickets.hold(t.id, t.version, reason="customer").id
    order = [r.id for r in store.queue.find()]
    assert order == [running.id, held["over2h"], held["over10"], held["over1s"], held["zero"], held["left20"]]
    assert store.queue.queue_position(held["over10"]) == 2

async def test_queue_shows_a_held_overdue_ticket_frozen(store: Store, clock: MutableClock) -> None:
    t = make_ticket(store, priority=2)  # due 09:30
    clock.advance(minutes=77)
    store.tickets.hold(t.id, t.version, reason="customer")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "=+47m" in line_text(queue(app), 1))
        assert "✗" in line_text(queue(app), 1)
        clock.advance(hours=3)
        queue(app).tick()
        await settle(pilot)
        assert "=+47m" in line_text(queue(app), 1)
