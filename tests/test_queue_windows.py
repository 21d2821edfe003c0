"""Windows of a filtered queue at any depth (issue 28): the window, count and
position read from the kept order (store/repo/queue_order.py) equal the
plain query (ORDER BY the queue key with OFFSET) for every filter at random
positions, also after writes through another connection, recomputes, hand
edits in the sqlite3 shell, technicians moved or renamed and bulk loads,
the order brought up to date from the tickets changed since
(0027_queue_changes) or read again; the order is read from indexes alone
(0026_window_indexes), never from the tickets' rows."""

from __future__ import annotations

import random
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from conftest import NOW, MutableClock, seeded_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ticket_helpers import ids, make

from store import QueueFilter, Store
from store.errors import RuleViolation, ValidationFailed
from store.repo import queue_order

WORDS = ["ATM swallows cards", "吞卡 at the lobby", "printer jams", "zq noise", "卡 stuck", "screen dark"]
TEXTS = st.sampled_from(["", "", "ATM", "吞卡", "卡", "zq", "Li", "jams", "#3", "ATM 卡", "a", "12"])
FILTERS = st.one_of(
    # The queue's "/" alone (its matches read lazily: repo/queue_order.py), as often as all the rest.
    st.builds(QueueFilter, text=TEXTS),
    st.builds(
        QueueFilter,
        statuses=st.sampled_from([(), ("new",), ("assigned",), ("waiting",), ("waiting", "onsite"), ("new", "assigned", "resolved")]),
        priorities=st.sampled_from([(), (1,), (2, 3), (4,), (1, 3)]),
        team_id=st.sampled_from([None, 1, 2]),
        unassigned=st.booleans(),
        text=TEXTS,
    ),
)
# The store's writes, a recompute of every open ticket (an SLA policy
# changed), hand edits in the sqlite3 shell (a ticket's technician, status,
# text or queue key; a technician moved to the other team or renamed).
KINDS = [
    "assign",
    "hold",
    "cancel",
    "new",
    "priority",
    "policy",
    "hand tech",
    "hand status",
    "hand text",
    "hand key",
    "hand team",
    "hand name",
]
WRITES = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 10_000), st.integers(1, 4)), max_size=5)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 tickets of every priority, most statuses, both teams, closed ones among them."""
    path = tmp_path_factory.mktemp("windows") / "template.db"
    s = seeded_file(path, "bob", clock=MutableClock(NOW))
    rnd = random.Random(28)
    for i in range(40):
        t = make(
            s, priority=rnd.randint(1, 4), description=rnd.choice(WORDS), site_id=1 + i % 2, equipment_id=1 + 2 * (i % 2) + (i // 2) % 2
        )
        _write(s, (rnd.choice(["assign", "assign", "hold", "cancel", "none"]), t.id, rnd.randint(1, 4)))
    s.close()
    return path


def _write(s: Store, op: tuple[str, int, int]) -> None:
    kind, which, n = op
    if kind == "new":
        make(s, priority=n, description=WORDS[which % len(WORDS)])
        return
    if kind == "policy":  # every open ticket of P{n} gets new deadlines, so a new queue key
        actor, s.actor = s.actor, "ann"  # a manager's
        try:
            s.settings.set_policy(n, 10 + which % 20, 60 + which % 50, 240 + which % 100)
        finally:
            s.actor = actor
        return
    open_ids = [r[0] for r in s.db.q("SELECT id FROM tickets WHERE is_open = 1 ORDER BY id")]
    if not open_ids or kind == "none":
        return
    tid = open_ids[which % len(open_ids)]
    if kind.startswith("hand"):
        _hand(s.db.path, kind, tid, which, n)
        return
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


_COPIED = (
    "status, priority, channel, reporter, phone, site_id, equipment_id, category, reported_at, created_by,"
    " technician_id, is_open, next_clock, due_at, risk_at, frozen_left_s, window_s, updated_at, updated_by"
)


def _hand(path: Path, kind: str, tid: int, which: int, n: int) -> None:
    """An edit in the sqlite3 shell: no audit event, no store code, only the file's triggers."""
    conn = sqlite3.connect(path)
    try:
        sql, params = {
            "hand tech": ("UPDATE tickets SET technician_id = ? WHERE id = ?", (n, tid)),
            "hand status": ("UPDATE tickets SET status = ? WHERE id = ?", (["waiting", "onsite", "new", "assigned"][n - 1], tid)),
            "hand text": ("UPDATE tickets SET description = ? WHERE id = ?", (WORDS[which % len(WORDS)], tid)),
            # A key below every other (keys end with the ticket's id, so it stays unique).
            "hand key": ("UPDATE tickets SET queue_key = '0' || queue_key WHERE id = ?", (tid,)),
            "hand team": ("UPDATE technicians SET team_id = 3 - team_id WHERE id = ?", (n,)),
            # A new ticket with no change row (the file's triggers log changes, not inserts).
            "hand insert": (
                f"INSERT INTO tickets ({_COPIED}, description, queue_key) SELECT {_COPIED}, ?, queue_key || '9' FROM tickets WHERE id = ?",
                (WORDS[which % len(WORDS)], tid),
            ),
            "hand name": ("UPDATE technicians SET name = ? WHERE id = ?", (["Li Wei", "Zhang ATM", "Wang Fang", "Chen 卡"][which % 4], n)),
        }[kind]
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def reference(s: Store, f: QueueFilter) -> list[int]:
    """The plain query: every open match, ORDER BY the queue key (no index named, no kept order)."""
    where, params = s.queue._filter_sql(f)
    return [r[0] for r in s.db.q(f"SELECT t.id FROM tickets t {where} ORDER BY t.queue_key, t.id", params)]


def reference_window(s: Store, f: QueueFilter, offset: int, limit: int) -> list[int]:
    where, params = s.queue._filter_sql(f)
    sql = f"SELECT t.id FROM tickets t {where} ORDER BY t.queue_key LIMIT ? OFFSET ?"
    return [r[0] for r in s.db.q(sql, [*params, limit, offset])]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    f=FILTERS, writes=WRITES, spots=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 12)), min_size=1, max_size=4), other=st.booleans()
)
def test_every_window_equals_the_plain_query(
    template: Path, tmp_path: Path, f: QueueFilter, writes: list[Any], spots: list[tuple[float, int]], other: bool
) -> None:
    path = tmp_path / "w.db"
    shutil.copy(template, path)
    clock = MutableClock(NOW)
    mine = Store(path, actor="ann", clock=clock)
    # The writes come from another console (another connection) or from this one.
    theirs = Store(path, actor="bob", clock=clock) if other else mine
    # Small walks, so a text's top windows are read in several steps here too.
    walks = (mock.patch.object(queue_order, "WALK_FIRST", 2), mock.patch.object(queue_order, "WALK_MAX", 12))
    try:
        with walks[0], walks[1]:
            _compare(mine, theirs, clock, f, writes, spots)
    finally:
        mine.close()
        if theirs is not mine:
            theirs.close()


def _compare(mine: Store, theirs: Store, clock: MutableClock, f: QueueFilter, writes: list[Any], spots: list[tuple[float, int]]) -> None:
    mine.queue.find(f, 0, 5)  # an order kept from before the writes
    for op in writes:
        _write(theirs, op)
        clock.advance(minutes=3)
        # Each write followed (the kept order brought up to date write by write).
        expected = reference(mine, f)
        assert mine.queue.queue_count(f) == len(expected)
        assert ids(mine.queue.find(f, len(expected) // 2, 4)) == expected[len(expected) // 2 : len(expected) // 2 + 4]
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
    QueueFilter(),
    QueueFilter(priorities=(2, 3)),
    QueueFilter(priorities=(1, 4)),
    QueueFilter(statuses=("waiting",)),
    QueueFilter(statuses=("waiting", "onsite")),
    QueueFilter(team_id=1),
    QueueFilter(unassigned=True),
    QueueFilter(team_id=2, statuses=("assigned",)),
    QueueFilter(text="ATM"),
    QueueFilter(text="吞卡"),
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


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[QueueFilter]:
    """The filters whose order is read whole from here on (QueueOrder._read)."""
    seen: list[QueueFilter] = []
    read = queue_order.QueueOrder._read

    def counting(self: queue_order.QueueOrder, conn: sqlite3.Connection, f: QueueFilter, src: Any, version: int) -> Any:
        seen.append(f)
        return read(self, conn, f, src, version)

    monkeypatch.setattr(queue_order.QueueOrder, "_read", counting)
    return seen


@pytest.mark.parametrize(
    "f",
    [
        QueueFilter(team_id=1),
        QueueFilter(statuses=("new", "waiting")),
        QueueFilter(text="ATM"),
        QueueFilter(text="卡", priorities=(2, 3)),
        QueueFilter(text="ATM 卡"),  # long and short terms together: each index asked for one ticket
    ],
    ids=repr,
)
def test_another_consoles_write_moves_the_kept_order_without_reading_it_again(
    store: Store, db_path: Path, clock: MutableClock, monkeypatch: pytest.MonkeyPatch, f: QueueFilter
) -> None:
    """After a write elsewhere only the tickets it changed are moved (56–162 ms
    on a 1M file when the whole order was read again after every write)."""
    made = [make(store, priority=2 + i % 2, description=WORDS[i % 2]) for i in range(12)]
    for t in made[:6]:
        store.tickets.assign(t.id, t.version, technician_id=1 + made.index(t) % 2)
    assert store.queue.queue_count(f) == len(reference(store, f))
    reads = _reads(monkeypatch)
    other = Store(db_path, actor="bob", clock=clock)
    try:
        for i in range(5, 9):
            t = other.tickets.ticket(made[i].id)
            other.tickets.edit_ticket(t.id, t.version, priority=5 - t.priority, reason="called again")
            other.tickets.hold(t.id, t.version + 1, reason="customer")
            _hand(db_path, "hand insert", t.id, i, 0)  # a new ticket with no change row
            make(other, priority=2, description="ATM 卡 again")
            if i == 6:  # one leaves the queue
                gone = other.tickets.ticket(made[i - 6].id)
                other.tickets.cancel(gone.id, gone.version, reason="duplicate")
            expected = reference(store, f)
            assert store.queue.queue_count(f) == len(expected)
            assert ids(store.queue.find(f, 0, 50)) == expected
            assert [store.queue.queue_position(tid, f) for tid in expected] == list(range(len(expected)))
    finally:
        other.close()
    assert reads == []


def test_many_changes_or_a_technician_moved_read_the_order_again(store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    team = QueueFilter(team_id=1)
    made = [make(store, priority=2) for _ in range(4)]
    for t in made:
        store.tickets.assign(t.id, t.version, technician_id=1 + made.index(t) % 3)
    assert ids(store.queue.find(team, 0, 10)) == reference(store, team)
    reads = _reads(monkeypatch)
    _hand(db_path, "hand team", 0, 0, 3)  # Wang Fang to Alpha Team: a row saying "everything"
    assert store.db.q("SELECT ticket_id FROM queue_changes ORDER BY seq DESC LIMIT 1")[0][0] == 0
    assert ids(store.queue.find(team, 0, 10)) == reference(store, team) and len(reads) == 1
    monkeypatch.setattr(queue_order, "CATCH_UP", 2)
    for t in made[:3]:  # more changes than CATCH_UP
        _hand(db_path, "hand key", t.id, 0, 0)
    assert ids(store.queue.find(team, 0, 10)) == reference(store, team) and len(reads) == 2


def test_a_hand_edit_is_logged_by_the_files_triggers(store: Store, db_path: Path) -> None:
    """0027's triggers log every writer's change, the sqlite3 shell's too; a
    change that moves nothing of a queue (a fee, a note) is not logged."""
    t = make(store, priority=3)
    seq = store.db.value("SELECT COALESCE(MAX(seq), 0) FROM queue_changes")
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE tickets SET fee_cents = 100 WHERE id = ?", (t.id,))
    conn.commit()
    assert store.db.value("SELECT COALESCE(MAX(seq), 0) FROM queue_changes") == seq
    conn.execute("UPDATE tickets SET reporter = 'someone else' WHERE id = ?", (t.id,))
    conn.execute("UPDATE sites SET name = 'Lobby' WHERE id = 2")
    conn.commit()
    conn.close()
    assert [tuple(r) for r in store.db.q("SELECT ticket_id, seq FROM queue_changes WHERE seq > ? ORDER BY seq", (seq,))] == [
        (t.id, seq + 1),
        (0, seq + 2),
    ]


def test_a_bulk_load_reads_the_order_again(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bulk load sets the tickets' indexes aside and writes them again (the
    schema moves); its tickets come in without a change row each."""
    from demo_data.scale import generate_scale

    f = QueueFilter(statuses=("new", "assigned"))
    make(store, priority=2)
    assert ids(store.queue.find(f, 0, 10)) == reference(store, f)
    reads = _reads(monkeypatch)
    generate_scale(store, 60, chunk=60, open_share=0.5)
    expected = reference(store, f)
    assert len(expected) > 5
    assert ids(store.queue.find(f, 0, 100)) == expected and len(reads) == 1


def test_a_text_alone_shows_its_top_without_sorting_its_matches(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue's ``/``: the count from its matches, the top windows from a
    walk of the queue's own index (in steps here), the whole order only for a
    deep window or position, each as the plain query gives it."""
    monkeypatch.setattr(queue_order, "WALK_FIRST", 2)
    monkeypatch.setattr(queue_order, "WALK_MAX", 20)
    for i in range(30):
        make(store, priority=1 + i % 4, description=WORDS[1 if i % 3 else 2])
    f = QueueFilter(text="卡")
    expected = reference(store, f)
    assert store.queue.queue_count(f) == len(expected) == 20
    assert ids(store.queue.find(f, 0, 3)) == expected[:3]
    kept = store.queue.order._held
    assert kept is not None and kept.order is None and kept.head is not None and len(kept.head) < len(expected)
    assert ids(store.queue.find(f, 3, 4)) == expected[3:7]
    assert store.queue.queue_position(expected[-1], f) == len(expected) - 1  # deep: the whole order
    assert store.queue.order._held is not None and store.queue.order._held.order is not None
    assert ids(store.queue.find(f, 15, 10)) == expected[15:]
    # A text in few of the open tickets: its matches sorted by their keys at once, no walk.
    monkeypatch.setattr(queue_order, "SPARSE", 1)  # 20 of 30 open: "few" here
    store.queue.order.forget()
    assert ids(store.queue.find(f, 0, 3)) == expected[:3]
    assert store.queue.order._held is not None and store.queue.order._held.head is None
    assert ids(store.queue.find(f, 12, 30)) == expected[12:]
