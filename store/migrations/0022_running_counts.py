"""0022_running_counts: the running clocks' deadlines counted per minute, so
a poll's breached and at-risk counts cost the same on a file left running
for hours as on a fresh one (issue 28).

Until this step the header's breached and at-risk counts of running clocks
were two range counts of the deadline indexes (``due_at <= now``,
``risk_at <= now``): SQLite counts a range entry by entry, so they grew with
every deadline that passed (3.2 → 8.2 ms in 50 minutes; 160–205 ms on a 1M
file 13 hours to a day after it was built, 58,000–62,000 of its 64,000
running clocks breached).

- ``queue_totals.running_due`` / ``running_risk``: the open tickets with a
  running clock's deadline (``due_at``) / at-risk time (``risk_at``), kept
  by triggers as the other totals are (0010, 0012).
- ``deadline_minutes``: per minute (the first 16 characters of the stored
  UTC time, ``YYYY-MM-DDTHH:MM``: the times are fixed width, so text order is
  time order and a minute's times are one range), how many open tickets have
  their ``due_at`` (``due``) and their ``risk_at`` (``risk``) in it. A row
  whose two counts are 0 is removed.

A count at time T is then the running total less the later minutes' rows
and the deadlines still to come in T's own minute (one index range): its
cost follows the minutes ahead that hold a deadline, bounded by the longest
SLA window, not the deadlines that have passed. (Hours were tried first: a
1M file built in one go holds 18,000 deadlines in one hour, and counting
them cost as much as the old way at the time it was built.)

The triggers fire on every write of ``is_open``, ``due_at`` or ``risk_at``
(a ticket's own writes, a recompute after a calendar or policy change, a
bulk load), in the writing transaction; ``dispatch check`` counts both again
from the tickets.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

MINUTE = 16  # characters of 'YYYY-MM-DDTHH:MM:SSZ' that name the minute


def _flag(t: str, col: str) -> str:
    """SQL, 0/1 and never NULL: whether ticket ``t`` counts in ``col``'s totals."""
    return f"({t}.is_open IS 1 AND {t}.{col} IS NOT NULL)"


def _add(col: str, n: str) -> str:
    """One ticket of ``new`` into its minute's row."""
    other = "risk" if n == "due" else "due"
    return (f"INSERT INTO deadline_minutes (minute, {n}, {other}) SELECT substr(new.{col}, 1, {MINUTE}), 1, 0"
            f" WHERE {_flag('new', col)} ON CONFLICT (minute) DO UPDATE SET {n} = {n} + 1;")


def _remove(col: str, n: str) -> str:
    """One ticket of ``old`` out of its minute's row (and the row, once empty)."""
    minute = f"substr(old.{col}, 1, {MINUTE})"
    return (f"UPDATE deadline_minutes SET {n} = {n} - 1 WHERE minute = {minute} AND {_flag('old', col)};"
            f" DELETE FROM deadline_minutes WHERE minute = {minute} AND due = 0 AND risk = 0;")


def _totals(sign: str, t: str) -> str:
    return (f"UPDATE queue_totals SET running_due = running_due {sign} {_flag(t, 'due_at')},"
            f" running_risk = running_risk {sign} {_flag(t, 'risk_at')};")


def apply(db: sqlite_utils.Database) -> None:
    conn = db.conn
    conn.execute("ALTER TABLE queue_totals ADD COLUMN running_due INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE queue_totals ADD COLUMN running_risk INTEGER NOT NULL DEFAULT 0")
    conn.execute("CREATE TABLE deadline_minutes (minute TEXT PRIMARY KEY, due INTEGER NOT NULL,"
                 " risk INTEGER NOT NULL) WITHOUT ROWID")
    add = _add("due_at", "due") + _add("risk_at", "risk") + _totals("+", "new")
    remove = _remove("due_at", "due") + _remove("risk_at", "risk") + _totals("-", "old")
    either = f"{_flag('{t}', 'due_at')} OR {_flag('{t}', 'risk_at')}"
    changed = "old.is_open IS NOT new.is_open OR old.due_at IS NOT new.due_at OR old.risk_at IS NOT new.risk_at"
    conn.execute(f"CREATE TRIGGER tickets_minutes_insert AFTER INSERT ON tickets WHEN {either.format(t='new')}"
                 f" BEGIN {add} END")
    conn.execute(f"CREATE TRIGGER tickets_minutes_update AFTER UPDATE OF is_open, due_at, risk_at ON tickets"
                 f" WHEN {changed} BEGIN {remove} {add} END")
    conn.execute(f"CREATE TRIGGER tickets_minutes_delete AFTER DELETE ON tickets WHEN {either.format(t='old')}"
                 f" BEGIN {remove} END")
    # The file's open tickets, from the two deadline indexes (open tickets only).
    conn.execute(
        f"INSERT INTO deadline_minutes (minute, due, risk) SELECT minute, SUM(due), SUM(risk) FROM ("
        f" SELECT substr(due_at, 1, {MINUTE}) AS minute, COUNT(*) AS due, 0 AS risk FROM tickets"
        f" WHERE is_open = 1 AND due_at IS NOT NULL GROUP BY 1"
        f" UNION ALL SELECT substr(risk_at, 1, {MINUTE}), 0, COUNT(*) FROM tickets"
        f" WHERE is_open = 1 AND risk_at IS NOT NULL GROUP BY 1) GROUP BY minute"
    )
    conn.execute(
        "UPDATE queue_totals SET"
        " running_due = (SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND due_at IS NOT NULL),"
        " running_risk = (SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND risk_at IS NOT NULL)"
    )
