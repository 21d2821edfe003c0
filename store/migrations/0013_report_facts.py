"""0013_report_facts: the report facts stored with every ticket, so a month's
figures are sums, counts and an ordered read over columns instead of every
ticket's pauses worked out row by row.

The columns and their indexes are made here. Their values are the live rules'
work (store/derive.py ``facts``): the step leaves ``report_facts`` to do, and
the store fills them in with today's rules after the migrations, in batches
(store/upgrade.py). A file with no tickets has nothing to fill.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

# Per clock: how long it took (s), whether it was met (ok), when it ran out if it did (late).
COLUMNS = {f"f_{clock}_{kind}": sql for clock in ("response", "onsite", "resolve")
           for kind, sql in (("s", "REAL"), ("ok", "INTEGER"), ("late", "TEXT"))}


def apply(db: sqlite_utils.Database) -> dict[str, Any] | None:
    conn = db.conn
    for name, sql in COLUMNS.items():
        conn.execute(f"ALTER TABLE tickets ADD COLUMN {name} {sql}")
    # A month's figures read a range of these by report or resolve time and
    # never the tickets themselves (no row lookups): 0.6 s → 0.4 s a month over
    # a million tickets. Late instants are mostly NULL (met clocks), so small.
    conn.execute(
        "CREATE INDEX tickets_reported_facts ON tickets(reported_at, cancelled_at, repeat_of, channel, f_response_s,"
        " f_response_ok, f_response_late, f_onsite_s, f_onsite_ok, f_onsite_late, f_resolve_ok, f_resolve_late)")
    conn.execute("CREATE INDEX tickets_resolved_facts ON tickets(resolved_at, f_resolve_s, f_resolve_ok)"
                 " WHERE resolved_at IS NOT NULL")
    if conn.execute("SELECT 1 FROM tickets LIMIT 1").fetchone() is None:
        return None
    return {"todo": ["report_facts"]}
