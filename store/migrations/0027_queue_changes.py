"""0027_queue_changes: which tickets changed since a console last read a
filtered queue's order, so it brings its kept order up to date instead of
sorting every match again after each write by anyone (issue 28).

A console keeps a filter's order (the ids in queue order: store/repo/
queue_order.py) and read it all again whenever PRAGMA data_version moved,
i.e. after every write by anyone: 56–162 ms on a 1M-ticket file for a team,
several statuses or a text, once per change. With this log it reads the
tickets changed since and moves only those.

- ``queue_changes``: one row per ticket whose place in any filtered queue
  may have moved (its queue key, status, technician, being open, or the
  text the search indexes hold), with the number of the change (``seq``,
  growing): a ticket changed again moves to the end, so the table holds at
  most one row per ticket. Kept by triggers, in the writing transaction, so
  every writer is seen: the store's writes, a recompute after a calendar
  change, a hand edit in the sqlite3 shell.
- A row with ``ticket_id`` 0 says "everything may have moved": a site
  renamed or an asset retagged (the search index of all their tickets), a
  technician renamed, moved to another team, added or removed (the team and
  text filters). A reader then reads its order again.

New tickets need no row: SQLite gives a new ticket the highest id plus one,
so a reader takes the ids above the highest it saw. A bulk load sets the
tickets' indexes aside and back (store/repo/bulk.py), which moves PRAGMA
schema_version: a reader seeing it move reads its order again.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

# What places a ticket in a filtered queue (store/repo/queue.py _filter_sql)
# and what the search indexes hold of it (0005, 0021 triggers).
COLUMNS = ("id", "is_open", "status", "technician_id", "queue_key", "description", "reporter", "phone", "site_id", "equipment_id")
_NEXT = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM queue_changes)"
_UPSERT = " ON CONFLICT (ticket_id) DO UPDATE SET seq = excluded.seq"


def _log(ticket: str, when: str = "true") -> str:
    # INSERT … SELECT … WHERE: an upsert after a SELECT needs its WHERE (SQLite's parsing).
    return f"INSERT INTO queue_changes (ticket_id, seq) SELECT {ticket}, {_NEXT} WHERE {when}{_UPSERT};"


TRIGGERS = {
    "tickets_queue_changed": (
        f"CREATE TRIGGER tickets_queue_changed AFTER UPDATE OF {', '.join(COLUMNS)} ON tickets"
        f" WHEN {' OR '.join(f'old.{c} IS NOT new.{c}' for c in COLUMNS)}"
        f" BEGIN {_log('old.id')} {_log('new.id', 'new.id IS NOT old.id')} END"
    ),
    "tickets_queue_removed": f"CREATE TRIGGER tickets_queue_removed AFTER DELETE ON tickets BEGIN {_log('old.id')} END",
    "sites_queue_renamed": (
        f"CREATE TRIGGER sites_queue_renamed AFTER UPDATE OF name ON sites WHEN old.name IS NOT new.name BEGIN {_log('0')} END"
    ),
    "equipment_queue_retagged": (
        "CREATE TRIGGER equipment_queue_retagged AFTER UPDATE OF asset_tag ON equipment"
        f" WHEN old.asset_tag IS NOT new.asset_tag BEGIN {_log('0')} END"
    ),
    "technicians_queue_changed": (
        "CREATE TRIGGER technicians_queue_changed AFTER UPDATE OF id, name, team_id ON technicians"
        " WHEN old.id IS NOT new.id OR old.name IS NOT new.name OR old.team_id IS NOT new.team_id"
        f" BEGIN {_log('0')} END"
    ),
    "technicians_queue_added": f"CREATE TRIGGER technicians_queue_added AFTER INSERT ON technicians BEGIN {_log('0')} END",
    "technicians_queue_removed": (f"CREATE TRIGGER technicians_queue_removed AFTER DELETE ON technicians BEGIN {_log('0')} END"),
}


def apply(db: sqlite_utils.Database) -> None:
    """The log of tickets changed (module docstring): empty at first, as a
    reader's first read of a filter reads its whole order anyway."""
    conn = db.conn
    conn.execute("CREATE TABLE queue_changes (ticket_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)")
    conn.execute("CREATE INDEX queue_changes_seq ON queue_changes (seq)")
    for sql in TRIGGERS.values():
        conn.execute(sql)
