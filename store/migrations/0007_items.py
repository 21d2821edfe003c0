"""0007_items: Improvement items and complaints.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    """Improvement items (docs/rules.md §6) and complaints (§7). An item comes from
    an unsatisfied callback or a complaint, at most one per source; states and
    steps are the words in store/improve.py. ``due_date`` is the site's local
    date of the fault-analysis meeting (setting meeting_day)."""
    db.execute(
        "CREATE TABLE improvement_items ("
        " id INTEGER PRIMARY KEY,"
        " ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
        " team_id INTEGER NOT NULL REFERENCES teams(id),"
        " foreman TEXT,"
        " source TEXT NOT NULL CHECK (source IN ('callback', 'complaint')),"
        " source_id INTEGER NOT NULL,"
        " opened_at TEXT NOT NULL,"
        " due_date TEXT NOT NULL,"
        " state TEXT NOT NULL DEFAULT 'open'"
        "  CHECK (state IN ('open', 'followed_up', 'proposed', 'submitted', 'confirmed')),"
        " weak_points TEXT,"
        " measures TEXT,"
        " sent_back_reason TEXT,"
        " confirmed_by TEXT,"
        " confirmed_at TEXT,"
        " version INTEGER NOT NULL DEFAULT 1,"
        " UNIQUE (source, source_id))"
    )
    db.execute("CREATE INDEX improvement_items_team ON improvement_items (team_id, state)")
    db.execute("CREATE INDEX improvement_items_due ON improvement_items (state, due_date)")
    db.execute(
        "CREATE TABLE complaints ("
        " id INTEGER PRIMARY KEY,"
        " ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
        " received_at TEXT NOT NULL,"
        " registered_by TEXT NOT NULL,"
        " complainant TEXT NOT NULL,"
        " matter TEXT NOT NULL,"
        " state TEXT NOT NULL DEFAULT 'registered'"
        "  CHECK (state IN ('registered', 'accepted', 'investigated', 'handled', 'followed_up', 'closed')),"
        " accepted_at TEXT, investigated_at TEXT, handled_at TEXT, followed_up_at TEXT, closed_at TEXT,"
        " findings TEXT,"
        " plan TEXT,"
        " informed INTEGER NOT NULL DEFAULT 0,"
        " follow_up TEXT,"
        " analysis TEXT,"
        " item_id INTEGER REFERENCES improvement_items(id),"
        " version INTEGER NOT NULL DEFAULT 1)"
    )
    db.execute("CREATE INDEX complaints_state ON complaints (state, received_at)")
    db.execute("CREATE INDEX complaints_ticket ON complaints (ticket_id)")
