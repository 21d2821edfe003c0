"""Files as older releases left them, for the upgrade tests: the steps up to
a version (store/migrations/), with the log the position-based runner kept
(names and times, no ``pending``; a version-1 file has none) and
``PRAGMA user_version`` set to it. Built empty: rows go in afterwards."""

from __future__ import annotations

import sqlite3

import sqlite_utils

from store.migrations import NAMES, load


def build(conn: sqlite3.Connection, version: int) -> None:
    """Make the empty file on ``conn`` (autocommit) what the steps up to ``version`` made."""
    db = sqlite_utils.Database(conn)
    conn.execute("BEGIN")
    for name in NAMES[:version]:
        assert load(name).apply(db) is None  # nothing to finish on an empty file
    if version >= 2:  # the position runner made its log when it first upgraded a file
        conn.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        conn.executemany("INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                         [(n, None if i == 0 else "2026-01-01T00:00:00Z") for i, n in enumerate(NAMES[:version])])
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("COMMIT")
