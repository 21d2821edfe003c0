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
    """A file written under the old rule (a hold past the deadline did not stop
    the clock) gets the frozen overdue time when it is upgraded."""
    from conftest import SEED
    from console_helpers import make_ticket

    path = tmp_path / "held.db"
    s = Store(path, create=True, clock=clock, actor="ann")
    s.load("seed", SEED, {})
    t = make_ticket(s, priority=1)  # response due in 15 min
    clock.advance(minutes=45)
    s.pause(t.id, 1, reason="parts")  # 30 min overdue, then held
    # What the old rule stored: the running (past) deadline.
    s.conn.execute("UPDATE tickets SET due_at = '2026-11-25T09:15:00Z', frozen_left_s = NULL WHERE id = ?", (t.id,))
    s.conn.execute("PRAGMA user_version = 1")
    s.conn.execute("DELETE FROM migrations")
    s.close_db()
    again = Store(path, clock=clock, actor="ann")
    row = again.queue()[0]
    assert row.due_at is None and row.frozen_left_s == -30 * 60
    again.close_db()
