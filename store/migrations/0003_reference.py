"""0003_reference: Reference data a center sets up itself: a site's contact, an asset's dates, ``retired``.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    """Reference data a center sets up itself: a site's contact, an asset's
    dates, and ``retired`` everywhere (records a ticket refers to are never
    deleted, only retired: hidden from pickers, still named on tickets)."""
    for sql in (
        "ALTER TABLE sites ADD COLUMN contact TEXT DEFAULT ''",
        "ALTER TABLE sites ADD COLUMN retired INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE equipment ADD COLUMN installed TEXT",
        "ALTER TABLE equipment ADD COLUMN warranty_until TEXT",
        "ALTER TABLE equipment ADD COLUMN retired INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE teams ADD COLUMN retired INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE technicians ADD COLUMN retired INTEGER NOT NULL DEFAULT 0",
    ):
        db.execute(sql)
