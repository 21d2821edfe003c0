"""0024_handover_notes: the note a dispatcher leaves at the end of a shift
(issue 27, docs/rules.md "Handing over a shift").

- ``handover_notes``: one note, written by ``by`` at ``at`` (UTC), covering
  the shift from ``since``; ``body`` the text as typed; ``items`` how many
  lines of the handover needed action when it was left (the header's
  "handover from mei.lin, 18:00: 3 items").
- ``handover_seen``: who has opened which note (one row per note and login),
  so the header stops telling them about it.
- ``events_action_at``: the handover reads the period's notes, closings and
  duty changes by action and time; without it each is a scan of the whole log.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    for sql in (
        "CREATE TABLE handover_notes ("
        " id INTEGER PRIMARY KEY,"
        " at TEXT NOT NULL,"
        " by TEXT NOT NULL,"
        " since TEXT NOT NULL,"
        " body TEXT NOT NULL,"
        " items INTEGER NOT NULL DEFAULT 0)",
        # The header asks for the newest note at every sign-in.
        "CREATE INDEX handover_notes_at ON handover_notes (at)",
        "CREATE TABLE handover_seen ("
        " id INTEGER PRIMARY KEY,"
        " note_id INTEGER NOT NULL REFERENCES handover_notes(id),"
        " login TEXT NOT NULL,"
        " at TEXT NOT NULL,"
        " UNIQUE (note_id, login))",
        "CREATE INDEX events_action_at ON events (action, at)",
    ):
        db.execute(sql)
