"""Windows of a filtered queue at any depth (issue 28): the window, count and
position read from the kept order (store/repo/queue_order.py) equal the
plain query (ORDER BY the queue key with OFFSET) for every filter at random
positions, also after writes through another connection; the order is read
from indexes alone (0026_window_indexes), never from the tickets' rows."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, MutableClock, seeded_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ticket_helpers import ids, make

from store import QueueFilter, Store
from store.errors import RuleViolation, ValidationFailed

WORDS = ["ATM swallows cards", "吞卡 at the lobby", "printer jams", "zq noise", "卡 stuck", "screen dark"]
FILTERS = st.builds(
    QueueFilter,
    statuses=st.sampled_from([(), ("new",), ("assigned",), ("waiting",), ("waiting", "onsite"),
                              ("new", "assigned", "resolved")]),
    priorities=st.sampled_from([(), (1,), (2, 3), (4,), (1, 3)]),
    team_id=st.sampled_from([None, 1, 2]),
    unassigned=st.booleans(),
    text=st.sampled_from(["", "", "ATM", "吞卡", "卡", "zq", "Li", "jams", "#3"]),
)
WRITES = st.lists(st.tuples(st.sampled_from(["assign", "hold", "cancel", "new", "priority"]),
                            st.integers(0, 10_000), st.integers(1, 4)), max_size=4)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 tickets of every priority, most statuses, both teams, closed ones among them."""
    path = tmp_path_factory.mktemp("windows") / "template.db"
    s = seeded_file(path, "bob", clock=MutableClock(NOW))
    rnd = random.Random(28)
    for i in range(40):
        t = make(s, priority=rnd.randint(1, 4), description=rnd.choice(WORDS), site_id=1 + i % 2,
                 equipment_id=1 + 2 * (i % 2) + (i // 2) % 2)
        _write(s, (rnd.choice(["assign", "assign", "hold", "cancel", "none"]), t.id, rnd.randint(1, 4)))
    s.close()
    return path


def _write(s: Store, op: tuple[str, int, int]) -> None:
    kind, which, n = op
    if kind == "new":
        make(s, priority=n, description=WORDS[which % len(WORDS)])
        return
    open_ids = [r[0] for r in s.db.q("SELECT id FROM tickets WHERE is_open = 1 ORDER BY id")]
    if not open_ids or kind == "none":
        return
    tid = open_ids[which % len(open_ids)]
    t = s.tickets.ticket(tid)
    try:
        if kind == "assign":
            s.tickets.assign(tid, t.version, technician_id=n)
        elif kind == "hold":
            s.tickets.hold(tid, t.version, reason="customer")
        elif kind == "cancel":
            s.tickets.cancel(tid, t.version, reason="duplicate")
        elif kind == "priority" and t.priority != n:
            s.tickets.edit_ticket(tid, t.version, priority=n, reason="called again")
    except (RuleViolation, ValidationFailed):
        pass  # not allowed in this state


def reference(s: Store, f: QueueFilter) -> list[int]:
    """The plain query: every open match, ORDER BY the queue key (no index named, no kept order)."""
    where, params = s.queue._filter_sql(f)
    return [r[0] for r in s.db.q(f"SELECT t.id FROM tickets t {where} ORDER BY t.queue_key, t.id", params)]


def reference_window(s: Store, f: QueueFilter, offset: int, limit: int) -> list[int]:
    where, params = s.queue._filter_sql(f)
    sql = f"SELECT t.id FROM tickets t {where} ORDER BY t.queue_key LIMIT ? OFFSET ?"
    return [r[0] for r in s.db.q(sql, [*params, limit, offset])]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(f=FILTERS, writes=WRITES, spots=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 12)), min_size=1,
                                                 max_size=4), other=st.booleans())
def test_every_window_equals_the_plain_query(template: Path, tmp_path: Path, f: QueueFilter, writes: list[Any],
                                              spots: list[tuple[float, int]], other: bool) -> None:
    path = tmp_path / "w.db"
    shutil.copy(template, path)
    clock = MutableClock(NOW)
    mine = Store(path, actor="ann", clock=clock)
    # The writes come from another console (another connection) or from this one.
    theirs = Store(path, actor="bob", clock=clock) if other else mine
    try:
        mine.queue.find(f, 0, 5)  # an order kept from before the writes
        for op in writes:
            _write(theirs, op)
            clock.advance(minutes=3)
        expected = reference(mine, f)
        assert mine.queue.queue_count(f) == len(expected)
        for share, limit in spots:
            offset = int(share * len(expected))
            assert ids(mine.queue.find(f, offset, limit)) == reference_window(mine, f, offset, limit)
        for tid in expected[:3] + expected[-3:]:
            assert mine.queue.queue_position(tid, f) == expected.index(tid)
        closed = mine.db.q("SELECT id FROM tickets WHERE is_open = 0 LIMIT 1")
        if closed:
            assert mine.queue.queue_position(closed[0][0], f) is None
    finally:
        mine.close()
        if theirs is not mine:
            theirs.close()


def test_a_deep_window_follows_a_write_of_another_console(store: Store, db_path: Path, clock: MutableClock) -> None:
    """The kept order is read again once another connection commits: a ticket
    assigned there joins the team's queue here, count, position and window."""
    made = [make(store, priority=2) for _ in range(6)]
    for t in made[:4]:
        store.tickets.assign(t.id, t.version, technician_id=1)
    team = QueueFilter(team_id=1)
    assert store.queue.queue_count(team) == 4
    assert store.queue.queue_position(made[5].id, team) is None
    other = Store(db_path, actor="bob", clock=clock)
    try:
        t = other.tickets.ticket(made[5].id)
        other.tickets.assign(t.id, t.version, technician_id=2)  # Zhang Min: Alpha Team too
    finally:
        other.close()
    assert store.queue.queue_count(team) == 5
    assert store.queue.queue_position(made[5].id, team) == 4
    assert ids(store.queue.find(team, 4, 10)) == [made[5].id]


def test_a_write_of_this_console_moves_the_order_too(store: Store) -> None:
    made = [make(store, priority=3) for _ in range(3)]
    waiting = QueueFilter(statuses=("waiting",))
    assert store.queue.queue_count(waiting) == 0
    store.tickets.hold(made[1].id, made[1].version, reason="customer")
    assert ids(store.queue.find(waiting, 0, 10)) == [made[1].id]
    assert store.queue.queue_position(made[1].id, waiting) == 0


FILTER_CASES = [
    QueueFilter(), QueueFilter(priorities=(2, 3)), QueueFilter(priorities=(1, 4)), QueueFilter(statuses=("waiting",)),
    QueueFilter(statuses=("waiting", "onsite")), QueueFilter(team_id=1), QueueFilter(unassigned=True),
    QueueFilter(team_id=2, statuses=("assigned",)), QueueFilter(text="ATM"), QueueFilter(text="吞卡"),
    QueueFilter(text="ATM", priorities=(1,)),
]


@pytest.mark.parametrize("f", FILTER_CASES, ids=lambda f: repr(f))
def test_a_filters_order_reads_no_ticket_row(store: Store, f: QueueFilter) -> None:
    """SQLite reads a ticket's row for a column its index does not hold (a
    partial index's is_open among them): at 1M tickets those reads were
    nearly all of a filtered window's 150–365 ms. Every filter's order comes
    from an index alone."""
    sql, params = store.queue._order_sql(f)
    plan = [r[3] for r in store.db.q("EXPLAIN QUERY PLAN " + sql, params)]
    on_tickets = [step for step in plan if re.match(r"(SCAN|SEARCH) (t|tickets)\b", step)]
    assert on_tickets, plan
    assert all("COVERING INDEX" in step for step in on_tickets), plan
