"""0022_running_counts: the running clocks' deadlines counted per hour, so
a poll's breached and at-risk counts cost the same on a file left running
for hours as on a fresh one (issue 28).

Until this step the header's breached and at-risk counts of running clocks
were two range counts of the deadline indexes (``due_at <= now``,
``risk_at <= now``): SQLite counts a range entry by entry, so they grew with
every deadline that passed (3.2 → 8.2 ms in 50 minutes, 21 ms on a file
where 39,000 of 64,000 running clocks had passed their deadline).

- ``queue_totals.running_due`` / ``running_risk``: the open tickets with a
  running clock's deadline (``due_at``) / at-risk time (``risk_at``), kept
  by triggers as the other totals are (0010, 0012).
- ``deadline_hours``: per hour (the first 13 characters of the stored UTC
  time, ``YYYY-MM-DDTHH``: the times are fixed width, so text order is time
  order and an hour's times are one range), how many open tickets have their
  ``due_at`` (``due``) and their ``risk_at`` (``risk``) in it. A row whose
  two counts are 0 is removed.

A count at time T is then the running total less the later hours' rows and
the deadlines still to come in T's own hour (one index range of at most an
hour of deadlines): its cost follows the hours that lie ahead, bounded by the
longest SLA window, not the hours that have passed.

The triggers fire on every write of ``is_open``, ``due_at`` or ``risk_at``
(a ticket's own writes, a recompute after a calendar or policy change, a
bulk load), in the writing transaction; ``dispatch check`` counts both again
from the tickets.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

HOUR = 13  # characters of 'YYYY-MM-DDTHH:MM:SSZ' that name the hour


def _flag(t: str, col: str) -> str:
    """SQL, 0/1 and never NULL: whether ticket ``t`` counts in ``col``'s totals."""
    return f"({t}.is_open IS 1 AND {t}.{col} IS NOT NULL)"


def _add(col: str, n: str) -> str:
    """One ticket of ``new`` into its hour's row."""
    other = "risk" if n == "due" else "due"
    return (f"INSERT INTO deadline_hours (hour, {n}, {other}) SELECT substr(new.{col}, 1, {HOUR}), 1, 0"
            f" WHERE {_flag('new', col)} ON CONFLICT (hour) DO UPDATE SET {n} = {n} + 1;")


def _remove(col: str, n: str) -> str:
    """One ticket of ``old`` out of its hour's row (and the row, once empty)."""
    hour = f"substr(old.{col}, 1, {HOUR})"
    return (f"UPDATE deadline_hours SET {n} = {n} - 1 WHERE hour = {hour} AND {_flag('old', col)};"
            f" DELETE FROM deadline_hours WHERE hour = {hour} AND due = 0 AND risk = 0;")


def _totals(sign: str, t: str) -> str:
    return (f"UPDATE queue_totals SET running_due = running_due {sign} {_flag(t, 'due_at')},"
            f" running_risk = running_risk {sign} {_flag(t, 'risk_at')};")


def apply(db: sqlite_utils.Database) -> None:
    conn = db.conn
    conn.execute("ALTER TABLE queue_totals ADD COLUMN running_due INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE queue_totals ADD COLUMN running_risk INTEGER NOT NULL DEFAULT 0")
    conn.execute("CREATE TABLE deadline_hours (hour TEXT PRIMARY KEY, due INTEGER NOT NULL,"
                 " risk INTEGER NOT NULL) WITHOUT ROWID")
    add = _add("due_at", "due") + _add("risk_at", "risk") + _totals("+", "new")
    remove = _remove("due_at", "due") + _remove("risk_at", "risk") + _totals("-", "old")
    either = f"{_flag('{t}', 'due_at')} OR {_flag('{t}', 'risk_at')}"
    changed = "old.is_open IS NOT new.is_open OR old.due_at IS NOT new.due_at OR old.risk_at IS NOT new.risk_at"
    conn.execute(f"CREATE TRIGGER tickets_hours_insert AFTER INSERT ON tickets WHEN {either.format(t='new')}"
                 f" BEGIN {add} END")
    conn.execute(f"CREATE TRIGGER tickets_hours_update AFTER UPDATE OF is_open, due_at, risk_at ON tickets"
                 f" WHEN {changed} BEGIN {remove} {add} END")
    conn.execute(f"CREATE TRIGGER tickets_hours_delete AFTER DELETE ON tickets WHEN {either.format(t='old')}"
                 f" BEGIN {remove} END")
    # The file's open tickets, from the two deadline indexes (open tickets only).
    conn.execute(
        f"INSERT INTO deadline_hours (hour, due, risk) SELECT hour, SUM(due), SUM(risk) FROM ("
        f" SELECT substr(due_at, 1, {HOUR}) AS hour, COUNT(*) AS due, 0 AS risk FROM tickets"
        f" WHERE is_open = 1 AND due_at IS NOT NULL GROUP BY 1"
        f" UNION ALL SELECT substr(risk_at, 1, {HOUR}), 0, COUNT(*) FROM tickets"
        f" WHERE is_open = 1 AND risk_at IS NOT NULL GROUP BY 1) GROUP BY hour"
    )
    conn.execute(
        "UPDATE queue_totals SET"
        " running_due = (SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND due_at IS NOT NULL),"
        " running_risk = (SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND risk_at IS NOT NULL)"
    )
