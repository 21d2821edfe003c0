"""0025_queue_snapshots: the queue at a past moment (issue 27, docs/rules.md
"The queue at a past moment").

The past queue is the audit events replayed. To answer for an instant a month
back without replaying the whole log, ``dispatch snapshot`` (run from cron,
never inside a dispatcher's write) keeps now and then the open set as it
stood: the queue at a later instant is the nearest snapshot before it plus
the events after it, for the tickets they touch.

- ``queue_snapshots``: one per kept instant. ``at`` (UTC) and ``event_id``
  name its place in the log: it holds every event recorded before ``at``, and
  those recorded at ``at`` itself up to ``event_id``. ``rules`` the SLA policy,
  calendar and time zone then in force (JSON); ``tickets`` how many rows,
  ``unassigned``, ``held_breached`` and ``held_at_risk`` how many of them
  count so (time moves none of these).
- ``queue_snapshot_rows``: its open tickets: ``row`` the replayed fields the
  queue shows and the holds (JSON), beside the derived ``queue_key``,
  ``due_at``, ``risk_at``, ``held`` (the state of a clock stopped by a hold,
  which time does not move) and ``unassigned``, so the page and the counts
  are index reads.
- ``queue_snapshot_rows_due``/``_risk``: the breached and at-risk counts at
  any instant are two index ranges, not a read of every row.
- ``events_at``: the events after a snapshot, by the time they were recorded.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    for sql in (
        "CREATE TABLE queue_snapshots ("
        " id INTEGER PRIMARY KEY,"
        " at TEXT NOT NULL,"
        " event_id INTEGER NOT NULL,"
        " made_at TEXT NOT NULL,"
        " rules TEXT NOT NULL,"
        " tickets INTEGER NOT NULL,"
        " unassigned INTEGER NOT NULL DEFAULT 0,"
        " held_breached INTEGER NOT NULL DEFAULT 0,"
        " held_at_risk INTEGER NOT NULL DEFAULT 0,"
        " UNIQUE (at, event_id))",
        "CREATE TABLE queue_snapshot_rows ("
        " snapshot_id INTEGER NOT NULL REFERENCES queue_snapshots(id),"
        " ticket_id INTEGER NOT NULL,"
        " queue_key TEXT NOT NULL,"
        " due_at TEXT,"
        " risk_at TEXT,"
        " held TEXT,"
        " unassigned INTEGER NOT NULL,"
        " row TEXT NOT NULL,"
        " PRIMARY KEY (snapshot_id, ticket_id)) WITHOUT ROWID",
        "CREATE INDEX queue_snapshot_rows_key ON queue_snapshot_rows (snapshot_id, queue_key)",
        "CREATE INDEX queue_snapshot_rows_due ON queue_snapshot_rows (snapshot_id, due_at)",
        "CREATE INDEX queue_snapshot_rows_risk ON queue_snapshot_rows (snapshot_id, risk_at)",
        "CREATE INDEX events_at ON events (at)",
    ):
        db.execute(sql)
