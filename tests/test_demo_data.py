"""The demo generator: believable, deterministic, covers every queue state."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pendulum
import pytest
from conftest import NOW as BUILT_AT
from conftest import DemoBuild

from demo_data.demo import generate_demo
from demo_data.scale import generate_scale
from store import Store
from store.rules.lifecycle import OPEN_STATUSES
from store.rules.sla import state_of
from store.timeutil import fixed_clock

NOW = pendulum.datetime(2026, 11, 25, 9, 0, tz="UTC")
assert NOW == BUILT_AT  # the session demo is built at this instant


def _open(path: Path) -> Store:
    return Store(path, create=True, clock=fixed_clock(NOW), actor="demo")


@pytest.fixture
def demo(demo_build: DemoBuild, demo_copy: Callable[[], Path]) -> Iterator[tuple[Store, dict[str, int]]]:
    """A copy of the session's demo (seed 7 at NOW, built by conftest's
    ``demo_build`` with ``generate_demo`` exactly as here before) and its counts."""
    store = Store(demo_copy(), clock=fixed_clock(NOW), actor="demo")
    yield store, dict(demo_build.counts)
    store.close()


def _rows(store: Store, sql: str) -> list[tuple]:
    return [tuple(r) for r in store.db.q(sql)]


def test_counts_in_range(demo: tuple[Store, dict[str, int]]) -> None:
    store, counts = demo
    assert counts["teams"] == 3
    assert 10 <= counts["technicians"] <= 14
    assert 35 <= counts["sites"] <= 45
    assert 170 <= counts["equipment"] <= 240
    assert 1300 <= counts["tickets"] <= 1700
    assert counts["events"] > 5 * counts["tickets"]
    assert counts["pauses"] > 50
    open_n = _rows(store, "SELECT COUNT(*) FROM tickets WHERE is_open = 1")[0][0]
    assert 35 <= open_n <= 45
    statuses = dict(_rows(store, "SELECT status, COUNT(*) FROM tickets WHERE is_open = 0 GROUP BY status"))
    assert statuses["closed"] > 10 * statuses["cancelled"] > 0
    assert store.settings.setting("timezone") == "Asia/Shanghai"


def test_reference_data_is_consistent(demo: tuple[Store, dict[str, int]]) -> None:
    store, _ = demo
    for team in store.people.teams():
        members = [t for t in store.people.technicians() if t.team_id == team.id]
        assert team.foreman_id in {t.id for t in members}
    techs = store.people.technicians()
    assert any(not t.on_duty for t in techs)
    assert all(t.skills for t in techs)
    assert all(s.code.startswith("BR") for s in store.reference.sites(limit=100))


def test_lifecycle_columns(demo: tuple[Store, dict[str, int]]) -> None:
    store, _ = demo
    assert not _rows(store, """
        SELECT id FROM tickets WHERE status = 'closed' AND (
            resolved_at IS NULL OR closed_at IS NULL OR signoff IS NULL OR symptom IS NULL
            OR cause IS NULL OR action IS NULL OR parts IS NULL OR technician_id IS NULL
            OR NOT (reported_at <= first_response_at AND first_response_at < arrived_at
                    AND arrived_at < resolved_at AND resolved_at <= closed_at))""")
    assert not _rows(store, "SELECT id FROM tickets WHERE status = 'cancelled' AND "
                            "(cancel_reason IS NULL OR cancelled_at IS NULL)")
    # Every open pause belongs to a waiting ticket, every waiting ticket has one.
    waiting = _rows(store, "SELECT id FROM tickets WHERE status = 'waiting' ORDER BY id")
    paused = _rows(store, "SELECT ticket_id FROM pauses WHERE ended_at IS NULL ORDER BY ticket_id")
    assert waiting == paused
    assert not _rows(store, "SELECT id FROM tickets WHERE status = 'waiting' "
                            "AND (wait_reason IS NULL OR paused_from IS NULL)")
    assert _rows(store, "SELECT COUNT(*) FROM tickets WHERE fee_cents IS NOT NULL")[0][0] > 0
    # Every ticket has its audit history, and the ids follow the reported order.
    assert not _rows(store, "SELECT id FROM tickets WHERE id NOT IN (SELECT ticket_id FROM events "
                            "WHERE action = 'ticket.create')")
    reported = [r[0] for r in _rows(store, "SELECT reported_at FROM tickets ORDER BY id")]
    assert reported == sorted(reported)
    assert max(reported) <= "2026-11-25T09:00:00Z"
    assert _rows(store, "SELECT MAX(closed_at) FROM tickets")[0][0] <= "2026-11-25T09:00:00Z"


def test_open_tickets_cover_every_status_and_sla_state(demo: tuple[Store, dict[str, int]]) -> None:
    store, _ = demo
    rows = store.queue.find(limit=1000)
    assert {r.status for r in rows} == set(OPEN_STATUSES)
    assert {r.priority for r in rows} == {1, 2, 3, 4}
    assert {r.arrival_mode for r in rows if r.status == "onsite"} == {"onsite", "remote"}
    states = {
        (r.status, state_of(NOW, r.due_at, r.risk_at, r.frozen_left_s, r.window_s or 0))
        for r in rows if r.next_clock
    }
    for status in ("new", "assigned", "onsite", "waiting"):
        for state in ("ok", "at_risk", "breached"):
            assert (status, state) in states
    counts = store.queue.counts(NOW)
    assert counts.at_risk > 0 and counts.breached > 0 and counts.unassigned > 0


def test_repeats_follow_the_rule(demo: tuple[Store, dict[str, int]]) -> None:
    store, _ = demo
    assert _rows(store, "SELECT COUNT(*) FROM tickets WHERE repeat_of IS NOT NULL")[0][0] >= 1
    # repeat_of is the most recent resolution of the same machine within 30 days, and only then.
    days = store.settings.setting("repeat_window_days", 30)
    by_device: dict[int, list[tuple[int, str | None]]] = {}
    for tid, eid, reported, resolved, repeat_of in _rows(
        store, "SELECT id, equipment_id, reported_at, resolved_at, repeat_of FROM tickets "
               "WHERE equipment_id IS NOT NULL ORDER BY id"):
        horizon = pendulum.parse(reported).subtract(days=days).format("YYYY-MM-DDTHH:mm:ss") + "Z"
        earlier = [(res, t) for t, res in by_device.get(eid, []) if res and horizon <= res <= reported]
        assert repeat_of == (max(earlier)[1] if earlier else None), tid
        by_device.setdefault(eid, []).append((tid, resolved))


def test_hostile_text_is_kept_verbatim(demo: tuple[Store, dict[str, int]]) -> None:
    store, _ = demo
    texts = [r[0] for r in _rows(store, "SELECT description FROM tickets WHERE is_open = 1")]
    assert any("[@click=app.quit]" in t for t in texts)
    assert any("\x1b]0;pwned\x07" in t for t in texts)


def test_integrity(demo: tuple[Store, dict[str, int]]) -> None:
    store, _ = demo
    assert store.admin.check() == []
    assert not _rows(store, "PRAGMA foreign_key_check")


def test_deterministic(tmp_path: Path, demo: tuple[Store, dict[str, int]]) -> None:
    store, _ = demo
    other = _open(tmp_path / "again.db")
    generate_demo(other, seed=7)
    for sql in ("SELECT * FROM tickets ORDER BY id", "SELECT * FROM pauses ORDER BY id",
                "SELECT * FROM events ORDER BY id", "SELECT * FROM equipment ORDER BY id"):
        assert _rows(other, sql) == _rows(store, sql)
    other.close()
    third = _open(tmp_path / "seed8.db")
    generate_demo(third, seed=8)
    assert _rows(third, "SELECT description FROM tickets") != _rows(store, "SELECT description FROM tickets")
    third.close()


def test_refuses_a_database_with_data(tmp_path: Path) -> None:
    store = _open(tmp_path / "s.db")
    generate_scale(store, 10)
    with pytest.raises(ValueError):
        generate_demo(store)
    store.close()


def test_scale(tmp_path: Path) -> None:
    path = tmp_path / "scale.db"
    store = _open(path)
    counts = generate_scale(store, 5000, seed=3, chunk=2000)
    assert counts["tickets"] == 5000
    assert counts["sites"] > 0 and counts["equipment"] > 0
    total, open_n = _rows(store, "SELECT COUNT(*), SUM(is_open) FROM tickets")[0]
    assert total == 5000
    assert 0.08 <= open_n / total <= 0.12
    assert {r[0] for r in _rows(store, "SELECT status FROM tickets")} >= {*OPEN_STATUSES, "closed", "cancelled"}
    oldest = _rows(store, "SELECT MIN(reported_at) FROM tickets")[0][0]
    assert "2025-11-24" <= oldest[:10] <= "2025-12-05"
    counts_now = store.queue.counts(NOW)
    assert counts_now.at_risk > 0 and counts_now.breached > 0
    # A second call appends after the existing ids and reuses the reference data.
    more = generate_scale(store, 100, seed=4)
    assert more["tickets"] == 100 and more["sites"] == 0
    assert _rows(store, "SELECT MAX(id), COUNT(*) FROM tickets")[0] == (5100, 5100)
    assert store.admin.check() == []
    assert not _rows(store, "PRAGMA foreign_key_check")
    store.close()
    with sqlite3.connect(path) as conn:  # the file is usable from plain sqlite3 too
        assert conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 5100


def test_demo_parts_two_locations_some_low_uses_both_ways(demo: tuple[Store, dict[str, int]]) -> None:
    """Issue 25's demo: parts with lots in the store and in vans, some below
    their minimum, parts used on open tickets under warranty and charged."""
    store, _ = demo
    parts = store.parts.parts()
    assert len(parts) == 8
    low = store.parts.parts(low=True)
    assert 2 <= len(low) < len(parts) and store.parts.low_count() == len(low)
    kinds = {line.location.kind for line in store.parts.stock()}
    assert kinds == {"store", "van"}
    assert all(len({lot.unit_cost for lot in store.parts.lots(p.id)}) >= 1 for p in parts)
    uses = _rows(store, "SELECT m.charge, t.is_open FROM stock_moves m JOIN tickets t ON t.id = m.ticket_id"
                       " WHERE m.kind = 'use'")
    assert {c for c, _o in uses} == {"warranty", "charged"}
    assert _rows(store, "SELECT COUNT(*) FROM stock_moves WHERE kind = 'use' AND reason != ''")[0][0] == 1
