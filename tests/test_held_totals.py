"""Issue 16: the held clocks' counts (queue_totals.held_breached/held_at_risk)
and each technician's load (technician_load) are kept by triggers in the
writing transaction (migration 0012_held_totals); after holds, resumes,
reassignments, cancels and a write by plain SQL they equal a fresh count of
the tickets themselves, and the header and the board show them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store import Store
from store.rules.sla import AT_RISK_SHARE
from tests.conftest import MutableClock
from tests.console_helpers import make_ticket

RECORD = {"symptom": "jams", "cause": "worn roller", "action": "replaced roller", "parts": "roller"}


def fresh(store: Store) -> tuple[tuple[int, int], dict[int, int]]:
    """The counts by the rule, from every ticket's row."""
    rows = store.db.q("SELECT is_open, due_at, next_clock, frozen_left_s, window_s, technician_id, status FROM tickets")
    held = [r for r in rows if r[0] == 1 and r[1] is None and r[2] is not None]
    breached = sum(1 for r in held if r[3] is not None and r[3] <= 0)
    at_risk = sum(1 for r in held if r[3] is not None and 0 < r[3] <= r[4] * AT_RISK_SHARE)
    load: dict[int, int] = {}
    for r in rows:
        if r[0] == 1 and r[5] is not None and r[6] in ("assigned", "onsite", "waiting"):
            load[r[5]] = load.get(r[5], 0) + 1
    return (breached, at_risk), load


def kept(store: Store) -> tuple[tuple[int, int], dict[int, int]]:
    held = tuple(store.db.q("SELECT held_breached, held_at_risk FROM queue_totals")[0])
    load = {r[0]: r[1] for r in store.db.q("SELECT technician_id, open_load FROM technician_load") if r[1]}
    return (held[0], held[1]), load


def assert_kept(store: Store) -> None:
    assert kept(store) == fresh(store)
    board = {t.id: t.open_load for t in store.people.technicians(include_retired=True) if t.open_load}
    assert board == fresh(store)[1]


def on_site(store: Store, tech: int, **kw: object):
    t = make_ticket(store, **kw)
    t = store.tickets.respond(t.id, t.version, note="called")
    t = store.tickets.assign(t.id, t.version, technician_id=tech)
    return store.tickets.arrive(t.id, t.version, mode="remote")


def test_holds_resumes_and_cancels_keep_the_counts(store: Store, clock: MutableClock) -> None:
    assert_kept(store)
    tickets = [on_site(store, tech=1 + n % 2, priority=1) for n in range(6)]
    assert_kept(store)
    # Held at different points of their 4-hour windows: fresh, nearly out (at risk), past due.
    for n, (t, step) in enumerate(zip(tickets, (0, 60, 130, 60, 60, 60), strict=True)):
        clock.advance(minutes=step)
        tickets[n] = store.tickets.hold(t.id, t.version, reason="parts", note="roller")
        assert_kept(store)
    (breached, at_risk), _load = kept(store)
    assert breached and at_risk  # both kinds are there, so the check means something
    counts = store.queue.counts()
    assert counts.breached >= breached and counts.at_risk >= at_risk
    clock.advance(hours=3)  # a held clock does not move: the counts stay
    assert kept(store) == fresh(store)
    t0, t1, t2, t3 = tickets[:4]
    t0 = store.tickets.resume(t0.id, t0.version)
    assert_kept(store)
    store.tickets.assign(t1.id, t1.version, technician_id=3, reason="closer")
    assert_kept(store)
    store.tickets.cancel(t2.id, t2.version, reason="duplicate")
    assert_kept(store)
    t3 = store.tickets.resume(t3.id, t3.version)
    store.tickets.resolve(t3.id, t3.version, **RECORD)
    assert_kept(store)
    t0 = store.tickets.hold(t0.id, t0.version, reason="customer", note="away")
    assert_kept(store)


def test_a_write_by_plain_sql_keeps_them(store: Store, clock: MutableClock, db_path: Path) -> None:
    for n in range(4):
        t = on_site(store, tech=1 + n % 3)
        clock.advance(minutes=90)
        store.tickets.hold(t.id, t.version, reason="parts", note="roller")
    assert_kept(store)
    with sqlite3.connect(db_path) as conn:  # as bench/run.py and old scripts do
        conn.execute("UPDATE tickets SET frozen_left_s = -1 WHERE frozen_left_s IS NOT NULL")
        conn.execute("UPDATE tickets SET technician_id = 2 WHERE technician_id = 1")
        conn.execute("DELETE FROM tickets WHERE id = (SELECT MAX(id) FROM tickets)")
    assert_kept(store)
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE tickets SET is_open = 0")
    assert kept(store) == fresh(store) == ((0, 0), {})
