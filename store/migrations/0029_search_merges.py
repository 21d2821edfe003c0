"""0029_search_merges: The search indexes merged a little by every write.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    """FTS5's own merging off (issue 28, "Twenty writers").

    Each write that touches a ticket's text adds a small segment to the
    trigram and pairs indexes, and FTS5 merges segments on its own: every 64
    leaf pages written, up to 64 pages per level of merging at once, inside
    whichever write crossed the line. With the write lock held, that one
    write took 100-460 ms on a 100k file while every other writer waited for
    it. With ``automerge`` 0 the write path does the merging itself, a few
    pages in every write (store/database.py ``MERGE_PAGES``), so the work is
    spread instead of lumped. A write that does not (the sqlite3 shell) still
    leaves an index FTS5 keeps in bounds: ``crisismerge`` (16 segments on a
    level) stays on."""
    conn = db.conn
    for table in ("ticket_search", "ticket_pairs"):
        conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 0)")
