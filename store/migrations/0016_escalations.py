"""0016_escalations: the escalation ladder's records, people's notification
addresses and the outbox (issue 24).

- ``escalations``: one row per (ticket, clock, level) that fired. The level
  is named by its share of the clock's window (``at``: 0.75 at risk, 1.0
  breached, 1.5 …), the store's memory of what fired (store/rules/escalation.py):
  the UNIQUE key makes a second process's INSERT OR IGNORE a no-op, so a level
  fires once whoever notices first, and a ladder edited later (its level
  numbers shifted) cannot make a fired share look new. ``level`` is its place
  in the ladder when it fired, for display.
- ``esc_due`` on tickets: the store's bookkeeping, no history (see apply).
- ``notify_urls`` on users and technicians: their Apprise addresses, a JSON
  list (NULL: none, nothing is sent to them).
- ``outbox``: one message to one person, written in the same transaction as
  what it reports; the sender (``dispatch notify``) delivers it and records
  each attempt. ``recipient`` is ``user:LOGIN`` or ``technician:ID``: the
  addresses are read when it is sent (a token is never copied here).
  ``sent_to`` the addresses (1-based, JSON) that took it already.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    for sql in (
        "CREATE TABLE escalations ("
        " id INTEGER PRIMARY KEY,"
        " ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
        " clock TEXT NOT NULL CHECK (clock IN ('response', 'onsite', 'resolve')),"
        " at REAL NOT NULL,"
        " level INTEGER NOT NULL,"
        " due_at TEXT NOT NULL,"
        " fired_at TEXT NOT NULL,"
        " roles TEXT NOT NULL,"
        " recipients TEXT NOT NULL,"
        " acknowledged_at TEXT,"
        " acknowledged_by TEXT,"
        " note TEXT,"
        " UNIQUE (ticket_id, clock, at))",
        "CREATE INDEX escalations_open ON escalations (acknowledged_at, fired_at)",
        # Who has which escalation waiting (not acknowledged yet): the console's
        # header count is one index range. Derived from escalations (recipients,
        # acknowledged_at), written in the same transactions.
        "CREATE TABLE escalation_waiting (login TEXT NOT NULL, escalation_id INTEGER NOT NULL REFERENCES escalations(id),"
        " PRIMARY KEY (login, escalation_id)) WITHOUT ROWID",
        # When the ticket may next have a level to fire ('': not known, look; a
        # change to the ticket or to the rules sets it back to ''; it sorts
        # before every time), so the sender's scan each minute is one range
        # of this index.
        "ALTER TABLE tickets ADD COLUMN esc_due TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX tickets_esc_due ON tickets (esc_due) WHERE is_open = 1",
        "ALTER TABLE users ADD COLUMN notify_urls TEXT",
        "ALTER TABLE technicians ADD COLUMN notify_urls TEXT",
        "CREATE TABLE outbox ("
        " id INTEGER PRIMARY KEY,"
        " created_at TEXT NOT NULL,"
        " recipient TEXT NOT NULL,"
        " lang TEXT,"
        " notice TEXT NOT NULL,"
        " state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " next_at TEXT,"
        " last_error TEXT,"
        " sent_to TEXT,"
        " sent_at TEXT)",
        "CREATE INDEX outbox_due ON outbox (state, next_at)",
    ):
        db.execute(sql)
