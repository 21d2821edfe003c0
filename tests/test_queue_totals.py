"""Issue 16: the header's open and unassigned counts come from queue_totals,
kept by triggers in each writing transaction; after every step of a ticket's
life (and a write by plain SQL) they equal a count of the tickets themselves.
Filters read through index ranges and give the same rows as the plain rule."""

from __future__ import annotations

import sqlite3

from store import Store
from store.models import QueueFilter
from tests.conftest import MutableClock
from tests.console_helpers import make_ticket

RECORD = {"symptom": "jams", "cause": "worn roller", "action": "replaced roller", "parts": "roller"}


def counted(store: Store) -> tuple[int, int]:
    rows = store.db.q("SELECT is_open, technician_id, status FROM tickets")
    return (sum(1 for r in rows if r[0] == 1),
            sum(1 for r in rows if r[0] == 1 and r[1] is None and r[2] != "resolved"))


def shown(store: Store) -> tuple[int, int]:
    c = store.queue.counts()
    return c.open, c.unassigned


def test_totals_follow_every_step(store: Store, clock: MutableClock, db_path) -> None:
    assert shown(store) == counted(store)
    t = make_ticket(store)
    other = make_ticket(store, priority=4)
    steps = [
        lambda t: store.tickets.respond(t.id, t.version, note="called"),
        lambda t: store.tickets.assign(t.id, t.version, technician_id=1),
        lambda t: store.tickets.assign(t.id, t.version, technician_id=2, reason="closer"),
        lambda t: store.tickets.arrive(t.id, t.version, mode="remote"),
        lambda t: store.tickets.hold(t.id, t.version, reason="parts", note="roller"),
        lambda t: store.tickets.resume(t.id, t.version),
        lambda t: store.tickets.resolve(t.id, t.version, **RECORD),
        lambda t: store.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee="1"),
    ]
    for step in steps:
        clock.advance(minutes=5)
        assert shown(store) == counted(store)
        t = step(t)
    store.tickets.cancel(other.id, other.version, reason="duplicate")
    assert shown(store) == counted(store) == (len(store.queue.find()), len(store.queue.find(QueueFilter(unassigned=True))))
    with sqlite3.connect(db_path) as conn:  # a write by plain SQL, as bench/run.py does
        conn.execute("UPDATE tickets SET is_open = 0")
    assert shown(store) == counted(store) == (0, 0)
    assert store.queue.queue_count() == 0


def test_priority_filters_are_queue_key_ranges(store: Store) -> None:
    made = [make_ticket(store, priority=p) for p in (1, 2, 3, 4, 2, 4)]
    for prios in [(4,), (1,), (2, 3), (1, 4), (1, 2, 4), (3,)]:
        f = QueueFilter(priorities=prios)
        want = [t.id for t in made if t.priority in prios]
        got = [r.id for r in store.queue.find(f)]
        assert sorted(got) == sorted(want) and store.queue.queue_count(f) == len(want), prios
