"""Migrations are named steps, recorded in the file; an old file upgrades in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from store import Store
from store.schema import MIGRATIONS, SCHEMA_VERSION, m0001_initial


def test_new_file_records_every_step(tmp_path: Path) -> None:
    s = Store(tmp_path / "n.db", create=True, actor="ann")
    rows = s._q("SELECT name, applied_at FROM migrations ORDER BY name")
    assert [r[0] for r in rows] == [name for name, _step in MIGRATIONS]
    assert all(r[1] for r in rows)
    assert s.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    s.close_db()


def test_a_version_1_file_upgrades_and_logs_what_ran(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    m0001_initial(sqlite_utils.Database(raw))
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    s = Store(path, actor="ann")
    log = dict(s._q("SELECT name, applied_at FROM migrations"))
    assert log["0001_initial"] is None  # ran before the log existed
    assert log["0002_hold_freezes_overdue"]  # ran now, with its time
    assert s.schema_version() == SCHEMA_VERSION
    s.close_db()


def test_upgrade_freezes_a_ticket_held_past_its_deadline(tmp_path: Path, clock) -> None:
    """A version-1 file written under the old rule (a hold past the deadline
    did not stop the clock) gets the frozen overdue time when it is upgraded."""
    path = tmp_path / "held.db"
    raw = sqlite3.connect(path)
    m0001_initial(sqlite_utils.Database(raw))
    raw.execute("INSERT INTO sites (id, code, name, address) VALUES (1, 'HQ', 'Head Office', '')")
    # P1 reported 09:00 (response due 09:15), put on hold at 09:45: 30 min overdue.
    raw.execute(
        "INSERT INTO tickets (id, version, status, priority, channel, reporter, phone, site_id, category,"
        " description, reported_at, created_by, paused_from, wait_reason, is_open, next_clock, due_at, risk_at,"
        " window_s, queue_key, updated_at, updated_by) VALUES (1, 2, 'waiting', 1, 'phone', 'Wang', '138', 1,"
        " 'atm', 'x', '2026-11-25T09:00:00Z', 'ann', 'new', 'parts', 1, 'response', '2026-11-25T09:15:00Z',"
        " '2026-11-25T09:11:15Z', 900, '10x', '2026-11-25T09:45:00Z', 'ann')")
    raw.execute("INSERT INTO pauses (ticket_id, reason, started_at) VALUES (1, 'parts', '2026-11-25T09:45:00Z')")
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    clock.advance(hours=2)
    s = Store(path, clock=clock, actor="ann")
    row = s.queue()[0]
    assert row.due_at is None and row.frozen_left_s == -30 * 60
    s.close_db()
