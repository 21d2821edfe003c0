"""0002_hold_freezes_overdue: a hold stops a clock even past its deadline.

From this step on the overdue time is frozen while a ticket waits, so the open
tickets' stored SLA fields are worked out again under that rule. That is the
live rules' work (store/derive.py): the step leaves it to the store, which
does it with today's rules once the migrations are done (store/upgrade.py
``open_deadlines``). (The migrations log starts with this step.)

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> dict[str, Any] | None:
    if db.conn.execute("SELECT 1 FROM tickets WHERE is_open = 1 LIMIT 1").fetchone() is None:
        return None
    return {"todo": ["open_deadlines"]}
