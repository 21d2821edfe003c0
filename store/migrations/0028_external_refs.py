"""0028_external_refs: The ticket number a ticket had in the helpdesk it was imported from.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    """``external_ref``: the old system's ticket number of a ticket brought in
    by ``dispatch import tickets`` (NULL for every ticket made here). Unique,
    so the same history imported twice is refused: the importer names the
    first number already here, and should two imports race, the second one's
    transaction fails on this index and leaves nothing. Partial, so the
    index costs nothing on a file that never imported: adding it to a file of
    a million tickets reads the table once and writes an empty index."""
    conn = db.conn
    conn.execute("ALTER TABLE tickets ADD COLUMN external_ref TEXT")
    conn.execute("CREATE UNIQUE INDEX tickets_external_ref ON tickets(external_ref) WHERE external_ref IS NOT NULL")
