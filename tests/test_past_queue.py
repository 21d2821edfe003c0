"""Issue 27, "The queue at any moment": the queue at a past place of the log
(store/repo/past.py: the nearest snapshot plus the tickets touched since,
moved incrementally) equals a brute-force replay of ALL events up to that
place from scratch, on random histories (every write the Store offers, by
tests/audit_driver.py: holds, priority changes, reassignments, calendar and
SLA changes, edits, stated times, bulk loads), at random instants and just
before random events, with snapshots kept at random spacings or none; and
at the end of the log it is the live queue itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from audit_driver import Driver
from conftest import MutableClock, seeded_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.repo.audit_facts import Configs
from store.repo.audit_tables import read_history
from store.repo.past import PastQueue, Reader, place_at
from store.rules import past
from store.rules.past import END, Place
from store.store import Store
from store.timeutil import to_db


def _events(store: Store) -> list[dict[str, Any]]:
    out = []
    for r in store.db.q("SELECT id, at, actor, action, entity, entity_id, ticket_id, old, new FROM events ORDER BY id"):
        e = dict(r)
        e["old"], e["new"] = json.loads(e["old"] or "{}"), json.loads(e["new"] or "{}")
        out.append(e)
    return out


def reference(store: Store, place: Place) -> tuple[list[tuple[int, str, Any, Any, str | None]], dict[str, int]]:
    """Every event up to ``place`` folded from scratch, ticket by ticket; a
    ticket loaded in bulk starts as loaded (its row now with its later events
    undone, as 'dispatch check' has it). (id, queue key, status, technician,
    state) in queue order, and the counts."""
    events = _events(store)
    loads = [((e["at"], e["id"]), e["new"]["tickets_loaded"]) for e in events
             if e["entity"] == "database" and isinstance(e["new"].get("tickets_loaded"), dict)]
    by: dict[int, list[dict[str, Any]]] = {}
    for e in events:
        if e["entity"] == "ticket" and e["ticket_id"] is not None:
            by.setdefault(e["ticket_id"], []).append(e)
    states: dict[int, dict[str, Any] | None] = {}
    for row in store.db.q("SELECT * FROM tickets ORDER BY id"):
        tid, mine = row["id"], by.get(row["id"], [])
        state: dict[str, Any] | None = None
        if not mine or mine[0]["action"] != "ticket.create":
            load = next(p for p, note in loads if note["first"] <= tid <= note["last"])
            if load > place:
                states[tid] = None
                continue
            pauses = [dict(p) for p in store.db.q(
                "SELECT reason, note, started_at, ended_at FROM pauses WHERE ticket_id = ? ORDER BY id", (tid,))]
            state = past.loaded(dict(row), pauses, [e for e in mine if e["id"] > load[1]])
        for e in mine:
            if (e["at"], e["id"]) <= place:
                state = past.apply(state, e)
        states[tid] = state
    # The rules in force, as 'dispatch check' works them out (by event, the
    # driver's clock only moves on): not store/rules/past.py's rules_at.
    with store.db.reader() as conn:
        configs = Configs(conn, read_history(conn))
    last = max((e["id"] for e in events if (e["at"], e["id"]) <= place), default=0)
    rules = configs.at(last + 1).rules()
    assert rules is not None
    rows = []
    pairs = []
    for tid, state in states.items():
        if state is None:
            continue
        d = past.derived(state, rules)
        if d is not None:
            pairs.append((state, d))
            rows.append((tid, d["queue_key"], state["status"], state["technician_id"], past.state_at(d, place[0])))
    return sorted(rows, key=lambda r: r[1]), past.counts(pairs, place[0])


def fast(q: PastQueue) -> tuple[list[tuple[int, str, Any, Any, str | None]], dict[str, int]]:
    return ([(s["id"], d["queue_key"], s["status"], s["technician_id"], past.state_at(d, q.at))
             for s, d in q.all_entries()], q.counts())


def _history(path: Path, now: Any, seed: int, steps: int) -> tuple[Store, MutableClock]:
    clock = MutableClock(now)
    store = seeded_file(path, "bob", "alice", "fay", "gus", clock=clock)
    driver = Driver(store, clock, seed)
    for _name in driver.tour():
        pass
    for _ in range(steps):
        try:
            driver.step()
        except TypeError:  # a driver that found nothing to pick (every team retired): the next step
            continue
    store.actor, store.by = "ann", None
    # A change of rules moves the open tickets' deadlines in batches: the live
    # rows hold the old ones until it is done (the past queue has the new ones).
    store.settings.recompute()
    return store, clock


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), every=st.sampled_from([0, 3, 11, 40]),
       picks=st.lists(st.floats(0, 1), min_size=4, max_size=8))
def test_the_past_queue_is_every_event_replayed_from_scratch(tmp_path_factory: pytest.TempPathFactory, now: Any,
                                                             seed: int, every: int, picks: list[float]) -> None:
    store, clock = _history(tmp_path_factory.mktemp("past") / "p.db", now, seed, 40)
    try:
        if every:
            store.snapshots.keep(every=every)
            assert store.snapshots.check() == []
        events = _events(store)
        first, last = events[0]["at"], events[-1]["at"]
        t0, t1 = clock.now.subtract(seconds=0), now
        span = (clock.now - now).total_seconds()
        places: list[Place] = []
        for i, x in enumerate(picks):
            if i % 2:  # just before an event
                e = events[int(x * (len(events) - 1))]
                places.append((e["at"], e["id"] - 1))
            else:  # an instant
                places.append(place_at(to_db(t1.add(seconds=int(x * span)))))
        places.append((first, 0))
        places.append((last, END))
        reader = Reader(store.db)
        moving: PastQueue | None = None
        for place in places:
            want = reference(store, place)
            assert fast(PastQueue(reader, place)) == want, place
            # The same place reached by moving from the last one (incremental).
            if moving is None:
                moving = PastQueue(reader, place)
            else:
                moving.move(place)
            assert fast(moving) == want, ("moved to", place)
        # At the end of the log the past queue is the live one.
        end = PastQueue(reader, place_at(to_db(t0)))
        live = store.queue.find(limit=10_000)
        assert [r.id for r in end.rows(0, 10_000)] == [r.id for r in live]
        c = store.queue.counts(t0)
        assert end.counts() == {"open": c.open, "at_risk": c.at_risk, "breached": c.breached, "unassigned": c.unassigned}
    finally:
        store.close()


def test_stepping_one_event_at_a_time_forward_and_back(tmp_path: Path, now: Any) -> None:
    """Every step of one event, on and back, equals the replay from scratch."""
    store, _clock = _history(tmp_path / "s.db", now, 5, 25)
    try:
        store.snapshots.keep(every=9)
        reader = Reader(store.db)
        place = store.past.step(("", 0), forward=True)
        assert place is not None
        q = PastQueue(reader, place)
        seen = [place]
        while (nxt := store.past.step(q.place, forward=True)) is not None:
            q.move(nxt)
            seen.append(nxt)
            assert fast(q) == reference(store, nxt), nxt
        for _ in range(len(seen) // 2):
            back = store.past.step(q.place, forward=False)
            assert back is not None
            q.move(back)
            assert fast(q) == reference(store, back), back
    finally:
        store.close()


def test_check_names_a_hand_edited_snapshot_row(tmp_path: Path, now: Any) -> None:
    store, _clock = _history(tmp_path / "c.db", now, 3, 30)
    try:
        assert store.snapshots.keep(every=10) > 0
        assert store.snapshots.check() == []
        sid, tid, row = store.db.q("SELECT snapshot_id, ticket_id, row FROM queue_snapshot_rows ORDER BY snapshot_id DESC,"
                                   " ticket_id LIMIT 1")[0]
        state = json.loads(row)
        state["priority"] = 4 if state["priority"] != 4 else 1
        import sqlite3

        conn = sqlite3.connect(store.db.path)
        conn.execute("UPDATE queue_snapshot_rows SET row = ? WHERE snapshot_id = ? AND ticket_id = ?",
                     (json.dumps(state), sid, tid))
        conn.commit()
        conn.close()
        problems = store.snapshots.check()
        assert len(problems) == 1 and f"queue snapshot {sid} " in problems[0] and f"#{tid} " in problems[0], problems
    finally:
        store.close()
