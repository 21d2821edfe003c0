"""0017_notified: when the technician was told of a ticket (the 15-minute
"engineer notified" figure, issue 24), and the due notices of improvement
items and complaint steps.

- ``notified_at`` on tickets: when the first assignment message of the ticket
  reached its technician (the outbox's sent time), written by the sender in
  the write that records the delivery, whose event (``notify.sent``, with the
  ticket's id) carries it; NULL: not told (yet). Bookkeeping of the ticket
  row, no version bump: the sender telling a technician must not make a
  dispatcher's open form stale.
- ``ticket_id`` on the outbox: the ticket a message is about (NULL for those
  written before this step, and for those about no ticket), so a ticket's
  messages are one index range. Rows already there keep NULL: their events
  recorded them without it.
- ``due_notices``: one row per (item or complaint step, due time) whose
  owner was told it fell due; the UNIQUE key makes it fire once whichever
  process notices first, and a changed due time is a new key (told again).
- An index of the month's tickets by report time with ``notified_at`` and
  the technician, so the figure is range reads of it alone (no row lookups):
  on a 300,000-ticket file, 23,000 tickets a month, the figure's sums take
  8–13 ms and the reasons of the not-told 13–30 ms.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    for sql in (
        "ALTER TABLE tickets ADD COLUMN notified_at TEXT",
        "CREATE INDEX tickets_reported_notified ON tickets (reported_at, cancelled_at, notified_at, technician_id)",
        "ALTER TABLE outbox ADD COLUMN ticket_id INTEGER REFERENCES tickets(id)",
        "CREATE INDEX outbox_ticket ON outbox (ticket_id) WHERE ticket_id IS NOT NULL",
        "CREATE TABLE due_notices ("
        " id INTEGER PRIMARY KEY,"
        " kind TEXT NOT NULL CHECK (kind IN ('item', 'complaint')),"
        " ref_id INTEGER NOT NULL,"
        " step TEXT NOT NULL,"
        " due TEXT NOT NULL,"
        " fired_at TEXT NOT NULL,"
        " recipients TEXT NOT NULL,"
        " UNIQUE (kind, ref_id, step, due))",
    ):
        db.execute(sql)
