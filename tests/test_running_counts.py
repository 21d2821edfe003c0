"""Issue 28: the header's breached and at-risk counts come from kept totals
(migration 0022_running_counts: the running clocks per deadline minute), so a
poll on a file left running costs what it costs on a fresh one. Over random
histories (holds, resumes, priority changes, stated times, calendar changes
and their batched recompute, closes) and random clock times they equal a
count of the tickets by the rule; the kept rows equal a fresh count of the
tickets; the work of a count does not grow with the deadlines that passed;
and `dispatch check` names a hand edit of what is kept."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pendulum
import pytest
from cli_helpers import invoke
from conftest import NOW, MutableClock, seeded_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ticket_helpers import RECORD, make

from store import Store
from store.errors import RuleViolation, ValidationFailed
from store.rules.sla import state_of
from store.timeutil import from_db

CALENDARS = [
    {"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5],
     "holidays": [{"date": "2026-11-26", "name": "Holiday"}]},
    {"kind": "24x7", "holidays": [{"date": "2026-11-25", "until": "2026-11-26", "name": "Closed"}]},
    {"kind": "24x7"},
]
TICKET = st.integers(0, 5)
OPS = st.lists(st.one_of(
    st.tuples(st.just("create"), st.integers(1, 4), st.sampled_from([0, 20, 90, 600, 3000])),
    st.tuples(st.just("wait"), st.sampled_from([1, 7, 30, 59, 240, 600])),
    st.tuples(st.just("hold"), TICKET, st.sampled_from([0, 10])),
    st.tuples(st.just("resume"), TICKET, st.sampled_from([0, 5])),
    st.tuples(st.just("priority"), TICKET, st.integers(1, 4)),
    st.tuples(st.just("respond"), TICKET, st.sampled_from([0, 15])),
    st.tuples(st.just("arrive"), TICKET, st.just(0)),
    st.tuples(st.just("resolve"), TICKET, st.just(0)),
    st.tuples(st.just("cancel"), TICKET, st.just(0)),
    st.tuples(st.just("calendar"), st.integers(0, len(CALENDARS) - 1)),
), min_size=2, max_size=20)
# When to count: minutes from the history's end, or exactly at (± 1 s) a stored deadline.
WHEN = st.lists(st.one_of(
    st.tuples(st.just("minutes"), st.integers(-3000, 20000)),
    st.tuples(st.just("deadline"), st.integers(0, 50), st.integers(-1, 1)),
), min_size=1, max_size=6)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("counts") / "template.db"
    seeded_file(path, "bob", "alice", clock=MutableClock(NOW)).close()
    return path


def by_rule(s: Store, at: pendulum.DateTime) -> tuple[int, int]:
    """(breached, at risk) at ``at``: every open ticket's clock, by store/rules/sla.py."""
    out = {"breached": 0, "at_risk": 0, "ok": 0}
    for r in s.db.q("SELECT due_at, risk_at, frozen_left_s, window_s FROM tickets"
                    " WHERE is_open = 1 AND next_clock IS NOT NULL"):
        out[state_of(at, from_db(r[0]), from_db(r[1]), r[2], r[3])] += 1
    return out["breached"], out["at_risk"]


def kept_rows(s: Store) -> tuple[set[tuple[str, int, int]], set[tuple[str, int, int]], tuple[int, int], tuple[int, int]]:
    """(deadline_minutes, the same counted from the tickets, the kept running totals, counted)."""
    kept = {tuple(r) for r in s.db.q("SELECT minute, due, risk FROM deadline_minutes")}
    counted = {tuple(r) for r in s.db.q(
        "SELECT minute, SUM(d), SUM(r) FROM (SELECT substr(due_at, 1, 16) AS minute, 1 AS d, 0 AS r FROM tickets"
        " WHERE is_open = 1 AND due_at IS NOT NULL UNION ALL SELECT substr(risk_at, 1, 16), 0, 1 FROM tickets"
        " WHERE is_open = 1 AND risk_at IS NOT NULL) GROUP BY minute")}
    totals = tuple(s.db.q("SELECT running_due, running_risk FROM queue_totals")[0])
    fresh = tuple(s.db.q("SELECT COUNT(due_at), COUNT(risk_at) FROM tickets WHERE is_open = 1")[0])
    return kept, counted, totals, fresh  # type: ignore[return-value]


def _step(s: Store, clock: MutableClock, op: tuple, tickets: list[int]) -> None:
    kind = op[0]
    if kind == "wait":
        clock.advance(minutes=op[1])
        return
    if kind == "calendar":
        s.settings.set_setting("calendar", CALENDARS[op[1]])  # its recompute, in batches
        return
    if kind == "create":  # reported some minutes ago, as stated on the phone
        try:
            tickets.append(make(s, priority=op[1], reported_at=clock.now.subtract(minutes=op[2])).id)
        except ValidationFailed:
            pass  # too long ago to state
        return
    if not tickets:
        return
    tid = tickets[op[1] % len(tickets)]
    t = s.tickets.ticket(tid)
    at = clock.now.subtract(minutes=op[2]) if len(op) > 2 and op[2] else None  # a stated time
    try:
        if kind == "hold":
            s.tickets.hold(tid, t.version, at=at, reason="customer", note="closed")
        elif kind == "resume":
            s.tickets.resume(tid, t.version, at=at)
        elif kind == "priority" and t.priority != op[2]:
            s.tickets.edit_ticket(tid, t.version, priority=op[2], reason="called again")
        elif kind == "respond":
            s.tickets.respond(tid, t.version, at=at)
        elif kind == "arrive":
            t = s.tickets.assign(tid, t.version, technician_id=1) if t.technician_id is None else t
            s.tickets.arrive(tid, t.version)
        elif kind == "resolve":
            s.tickets.resolve(tid, t.version, **RECORD)
        elif kind == "cancel":
            s.tickets.cancel(tid, t.version, reason="duplicate")
    except (RuleViolation, ValidationFailed):
        pass  # not allowed in this state (or a stated time before the last step): the history goes on


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(ops=OPS, when=WHEN)
def test_counts_equal_the_rule_over_random_histories_and_times(template: Path, tmp_path: Path, ops: list,
                                                                when: list) -> None:
    path = tmp_path / "c.db"
    shutil.copy(template, path)
    clock = MutableClock(NOW)
    s = Store(path, actor="ann", clock=clock)  # the manager: she also sets the calendar
    try:
        tickets = [make(s, priority=1).id, make(s, priority=3, reported_at=NOW.subtract(hours=20)).id]
        for op in ops:
            _step(s, clock, op, tickets)
            kept, counted, totals, fresh = kept_rows(s)
            assert kept == counted and totals == fresh
        deadlines = sorted(from_db(r[0]) for r in s.db.q(
            "SELECT due_at FROM tickets WHERE is_open = 1 AND due_at IS NOT NULL UNION"
            " SELECT risk_at FROM tickets WHERE is_open = 1 AND risk_at IS NOT NULL"))
        for w in when:
            if w[0] == "minutes" or not deadlines:
                at = clock.now.add(minutes=w[1] if w[0] == "minutes" else 0)
            else:
                at = deadlines[w[1] % len(deadlines)].add(seconds=w[2])
            c = s.queue.counts(at)
            assert (c.breached, c.at_risk) == by_rule(s, at), at
    finally:
        s.close()


def _steps(s: Store, at: pendulum.DateTime) -> int:
    """SQLite virtual machine instructions a count at ``at`` runs: its work,
    whatever the machine's speed."""
    n = [0]

    def tick() -> int:
        n[0] += 1
        return 0

    for conn in s.db._opened:
        conn.set_progress_handler(tick, 1)
    try:
        s.queue.counts(at)
    finally:
        for conn in s.db._opened:
            conn.set_progress_handler(None, 1)
    return n[0]


def test_a_count_does_not_grow_with_the_deadlines_that_passed(store: Store, clock: MutableClock) -> None:
    """A week on, 200 running clocks have breached: counting them costs what
    counting none did (before: two index ranges of every passed deadline)."""
    later = clock.now.add(days=7)
    store.queue.counts(later)  # a reader open, its statements prepared
    empty = _steps(store, later)
    for n in range(200):
        make(store, priority=1 + n % 4, reported_at=clock.now.subtract(minutes=n))
    assert store.queue.counts(later).breached == 200
    aged = _steps(store, later)
    assert aged <= empty + 20, (empty, aged)


def test_check_names_a_hand_edit_of_the_kept_counts(store: Store, db_path: Path) -> None:
    make(store, priority=2)
    store.close()
    assert invoke(str(db_path), "check").exit_code == 0
    for sql, said in (
        ("UPDATE deadline_minutes SET due = due + 2 WHERE minute = (SELECT MIN(minute) FROM deadline_minutes)",
         "deadline_minutes of minute"),
        ("INSERT INTO deadline_minutes (minute, due, risk) VALUES ('2031-01-01T00:00', 0, 4)",
         "2031-01-01T00:00 counts 4 risk"),
        ("UPDATE queue_totals SET running_due = running_due - 1", "queue_totals differs from the tickets: running_due"),
    ):
        with sqlite3.connect(db_path) as conn:
            saved = [tuple(r) for r in conn.execute("SELECT * FROM deadline_minutes")], conn.execute(
                "SELECT running_due FROM queue_totals").fetchone()[0]
            conn.execute(sql)
        result = invoke(str(db_path), "check")
        assert result.exit_code == 2 and said in result.output + result.stderr, (sql, result.output, result.stderr)
        with sqlite3.connect(db_path) as conn:  # put it back for the next edit
            conn.execute("DELETE FROM deadline_minutes")
            conn.executemany("INSERT INTO deadline_minutes VALUES (?, ?, ?)", saved[0])
            conn.execute("UPDATE queue_totals SET running_due = ?", (saved[1],))
        assert invoke(str(db_path), "check").exit_code == 0
