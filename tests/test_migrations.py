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
    assert log["0002_migration_log"]  # ran now, with its time
    assert s.schema_version() == SCHEMA_VERSION
    s.close_db()
