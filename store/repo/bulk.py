"""A bulk load's tickets written without their indexes and search trigger,
which are built once at the end, in the same transaction.

Through the 15 indexes and the trigram trigger, each ticket inserted costs
a B-tree insert per index and a search row built one at a time: about half
of a million-ticket build. Set aside, the rows go in at the end of the
table, and each index is then sorted and written once (SQLite's CREATE
INDEX), the search rows filled by one INSERT … SELECT over the loaded ids.
All of it inside the load's one transaction: a build killed midway leaves
the file as it was, indexes and trigger included.

Only what is known to be rebuilt this way is set aside: the indexes on
tickets (CREATE INDEX again from their own SQL), and the search trigger
whose body is one ``INSERT … SELECT new.…`` (replayed over the loaded rows
from that same body). The cheap triggers (the queue's totals, the
technicians' load: one small row each) keep running; a trigger added later
runs as before, until this module learns to rebuild its work."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..database import Executes

SEARCH_TRIGGER = "tickets_search_insert"
# The body of the search trigger: one INSERT … SELECT of the new row's columns.
_BODY = re.compile(r"\bBEGIN\s+(INSERT INTO ticket_search\b.*\bSELECT\b.*?);\s*END\s*$", re.S | re.I)


@dataclass
class SetAside:
    after_id: int  # tickets above this id are the load's
    indexes: list[str] = field(default_factory=list)  # their CREATE INDEX statements
    trigger: str | None = None  # the search trigger's CREATE TRIGGER statement
    search_insert: str | None = None  # its body over a range of tickets (t) instead of ``new``


def set_aside(tx: Executes) -> SetAside:
    """Drop the tickets' indexes and the search trigger (inside the load's
    transaction) and say how to put them back."""
    aside = SetAside(int(tx.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]))
    for name, sql in tx.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets'"
                                " AND sql IS NOT NULL ORDER BY name").fetchall():
        aside.indexes.append(sql)
        tx.execute(f'DROP INDEX "{name}"')
    row = tx.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (SEARCH_TRIGGER,)).fetchone()
    # (a WHEN before BEGIN would make it a trigger for some rows only: left running)
    body = _BODY.search(row[0]) if row is not None and " WHEN " not in row[0].upper().split("BEGIN")[0] else None
    if row is not None and body is not None:
        aside.trigger = row[0]
        aside.search_insert = (re.sub(r"\bnew\.", "t.", body.group(1))
                               + " FROM tickets t WHERE t.id > ? ORDER BY t.id")
        tx.execute(f'DROP TRIGGER "{SEARCH_TRIGGER}"')
    return aside


def put_back(tx: Executes, aside: SetAside) -> None:
    """The search rows of the tickets loaded, the trigger and the indexes again."""
    if aside.trigger is not None and aside.search_insert is not None:
        tx.execute(aside.search_insert, (aside.after_id,))
        tx.execute(aside.trigger)
    for sql in aside.indexes:
        tx.execute(sql)
