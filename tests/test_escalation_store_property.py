"""The store's firing over random ticket histories (Hypothesis): holds and
resumes, priority changes, the clocks met, a calendar with holidays set and
changed, time passing; two Stores on the file (two consoles, a sender) take
turns noticing. Each (ticket, clock, level) is recorded once, never before it
fell due, never while the ticket is held; per clock, each record is a higher
level than the last; every record has its one audit event and the check
passes. (The firing rule itself, against a minute-by-minute reference:
tests/test_escalation_property.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import NOW, MutableClock, seeded_file
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ticket_helpers import make

from store import Store
from store.errors import RuleViolation, ValidationFailed
from store.timeutil import from_db, to_db

CALENDARS = [
    {"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5],
     "holidays": [{"date": "2026-11-26", "name": "Holiday"}]},
    {"kind": "24x7", "holidays": [{"date": "2026-11-25", "until": "2026-11-26", "name": "Closed"}]},
    {"kind": "24x7"},
]
OPS = st.lists(st.one_of(
    st.tuples(st.just("wait"), st.sampled_from([7, 30, 90, 240, 600])),
    st.tuples(st.just("hold"), st.integers(0, 2)),
    st.tuples(st.just("resume"), st.integers(0, 2)),
    st.tuples(st.just("priority"), st.integers(0, 2), st.integers(1, 4)),
    st.tuples(st.just("respond"), st.integers(0, 2)),
    st.tuples(st.just("arrive"), st.integers(0, 2)),
    st.tuples(st.just("calendar"), st.integers(0, len(CALENDARS) - 1)),
), min_size=3, max_size=25)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("esc") / "template.db"
    s = seeded_file(path, "bob", "alice", "fay", "gus", clock=MutableClock(NOW))
    s.close()
    return path


def _step(s: Store, op: tuple, tickets: list[int]) -> None:
    kind = op[0]
    if kind == "calendar":
        s.settings.set_setting("calendar", CALENDARS[op[1]])
        return
    tid = tickets[op[1]]
    t = s.tickets.ticket(tid)
    try:
        if kind == "hold":
            s.tickets.hold(tid, t.version, reason="customer", note="closed")
        elif kind == "resume":
            s.tickets.resume(tid, t.version)
        elif kind == "priority" and t.priority != op[2]:
            s.tickets.edit_ticket(tid, t.version, priority=op[2], reason="called again")
        elif kind == "respond":
            s.tickets.respond(tid, t.version)
        elif kind == "arrive":
            s.tickets.arrive(tid, t.version)
    except (RuleViolation, ValidationFailed):
        pass  # not allowed in this state: a history goes on


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(ops=OPS, order=st.lists(st.booleans(), min_size=25, max_size=25))
def test_each_level_fires_once_never_early_never_held(template: Path, tmp_path: Path, ops: list, order: list) -> None:
    path = tmp_path / "p.db"
    shutil.copy(template, path)
    clock = MutableClock(NOW)
    one, two = Store(path, actor="ann", clock=clock), Store(path, actor="bob", clock=clock)
    try:
        tickets = []
        for p, tech in ((1, 1), (2, 3), (3, None)):
            t = make(one, priority=p)
            if tech is not None:
                t = one.tickets.assign(t.id, t.version, technician_id=tech)
            tickets.append(t.id)
        seen: set[int] = set()
        for i, op in enumerate(ops):
            if op[0] == "wait":
                clock.advance(minutes=op[1])
            else:
                _step(one, op, tickets)
            held = {r[0] for r in one.db.q("SELECT id FROM tickets WHERE status = 'waiting'")}
            (one if order[i] else two).escalations.fire_due()
            (two if order[i] else one).escalations.fire_due()  # the other process, right after: nothing new
            rows = one.db.q("SELECT * FROM escalations ORDER BY id")
            for r in rows:
                if r["id"] in seen:
                    continue
                seen.add(r["id"])
                assert from_db(r["due_at"]) <= clock.now and r["fired_at"] == to_db(clock.now)
                assert r["ticket_id"] not in held, "fired for a held clock"
            keys = [(r["ticket_id"], r["clock"], r["at"]) for r in rows]
            assert len(keys) == len(set(keys))
            by: dict[tuple[int, str], list[float]] = {}
            for r in rows:
                by.setdefault((r["ticket_id"], r["clock"]), []).append(r["at"])
            assert all(v == sorted(set(v)) for v in by.values())
        event(f"fired: {min(len(seen), 3)}+" if len(seen) >= 3 else f"fired: {len(seen)}")
        events = one.db.q("SELECT entity_id FROM events WHERE action = 'escalation.fire'")
        assert sorted(e[0] for e in events) == sorted(seen)
        report = one.audit.verify_audit()
        assert report.ok, report.problems[:3]
    finally:
        one.close()
        two.close()
