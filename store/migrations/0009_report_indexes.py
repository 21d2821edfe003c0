"""0009_report_indexes: The indexes the managers' figures read a period by.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    """The managers' figures read a period's tickets by when they were
    reported, resolved and cancelled, and the backlog at a period's end by the
    open tickets' report time (store/repo/reports.py): index ranges, not a scan
    of every ticket ever reported."""
    db.execute("CREATE INDEX IF NOT EXISTS tickets_reported ON tickets(reported_at)")
    db.execute("CREATE INDEX IF NOT EXISTS tickets_resolved ON tickets(resolved_at) WHERE resolved_at IS NOT NULL")
    db.execute("CREATE INDEX IF NOT EXISTS tickets_cancelled ON tickets(cancelled_at) WHERE cancelled_at IS NOT NULL")
    db.execute("CREATE INDEX IF NOT EXISTS tickets_open_reported ON tickets(reported_at) WHERE is_open = 1")
    db.execute("CREATE INDEX IF NOT EXISTS complaints_received ON complaints(received_at)")
    db.execute("CREATE INDEX IF NOT EXISTS improvement_items_due_date ON improvement_items(due_date)")
