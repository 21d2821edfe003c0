"""0026_window_indexes: A filtered queue's order read from its index alone.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    """A filtered queue's order read from its index alone (issue 28).

    SQLite (3.40) reads a ticket's row for the column of a partial index's
    WHERE (is_open) unless the index holds it: the queue indexes, which did
    not, read every match's row to list a filter's tickets in order (100,000
    open tickets: 340 ms, nearly all of it rows of a 1 GB file). Each now
    holds is_open, and the columns the other filters test (status,
    technician), so any filter's order is read from one index without a row:
    tickets_queue for the whole queue and priority ranges, tickets_status_queue
    for statuses, tickets_tech_queue for technicians, teams and unassigned.

    tickets_open_key: a text filter's matches come from the search index as
    ticket ids; each one's queue key (and whether it is open) is looked up
    here, in a small index of the open tickets, instead of in its row of the
    1 GB table (25,000 matches of /ATM: 230 -> 140 ms at a load of 9)."""
    conn = db.conn
    for name, columns in (
        ("tickets_queue", "queue_key, status, technician_id, is_open"),
        ("tickets_status_queue", "status, queue_key, technician_id, is_open"),
        ("tickets_tech_queue", "technician_id, queue_key, status, is_open"),
    ):
        conn.execute(f"DROP INDEX {name}")
        conn.execute(f"CREATE INDEX {name} ON tickets({columns}) WHERE is_open = 1")
    conn.execute("CREATE INDEX tickets_open_key ON tickets(id, queue_key, status, technician_id, is_open)"
                 " WHERE is_open = 1")
