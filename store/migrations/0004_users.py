"""0004_users: People and roles, and who typed a write made for someone else.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    """People and roles (README "People, roles and the file"). An upgraded file
    starts with no users: until the first is added, whoever opens it acts as
    its manager, so nothing that worked before stops working."""
    db.execute(
        "CREATE TABLE users ("
        " login TEXT PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " role TEXT NOT NULL CHECK (role IN ('dispatcher', 'foreman', 'manager', 'viewer')),"
        " team_id INTEGER REFERENCES teams(id),"
        " disabled INTEGER NOT NULL DEFAULT 0,"
        " pin_hash TEXT,"
        " created_at TEXT NOT NULL)"
    )
    # Who typed a write made for someone else (a manager using --actor): the
    # event's actor is the person the write is for, entered_by the OS login.
    db.execute("ALTER TABLE events ADD COLUMN entered_by TEXT")
