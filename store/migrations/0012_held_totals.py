"""0012_held_totals: the rest of a poll's counts kept by triggers, and each technician's load.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

# The share of a clock's window left under which it is at risk: store/sla.py
# AT_RISK_SHARE as it was at this step. The triggers hold it; a new share needs
# a new step that recounts.
AT_RISK_SHARE = 0.25


def apply(db: sqlite_utils.Database) -> None:
    """The rest of a poll's counts, kept by triggers in the writing transaction
    (issue 16: one poll that read a change, ≤ 10 ms at 100,000 open).

    queue_totals.held_breached / held_at_risk: clocks stopped while waiting
    keep the time they had left (frozen_left_s), so whether one counts as
    breached or at risk does not change with the time of day: a trigger can
    keep the two counts (2.5 ms a poll to count 20,000 held tickets).
    The at-risk share is the one of store/sla.py (0.25); a new share needs a
    new step that recounts.

    technician_load: each technician's open assigned/on-site/waiting tickets
    (the board's load), one row per technician instead of counting their
    tickets on every poll (3 ms for 12 technicians with 6,000 tickets each)."""
    conn = db.conn
    conn.execute("ALTER TABLE queue_totals ADD COLUMN held_breached INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE queue_totals ADD COLUMN held_at_risk INTEGER NOT NULL DEFAULT 0")
    # 0/1, never NULL: what one ticket adds to each count.
    held = "{t}.is_open IS 1 AND {t}.due_at IS NULL AND {t}.next_clock IS NOT NULL"
    breached = f"(({held} AND {{t}}.frozen_left_s <= 0) IS 1)"
    at_risk = (f"(({held} AND {{t}}.frozen_left_s > 0"
               f" AND {{t}}.frozen_left_s <= {{t}}.window_s * {AT_RISK_SHARE}) IS 1)")

    def delta(sign: str, t: str) -> str:
        return (f"held_breached = held_breached {sign} {breached.format(t=t)},"
                f" held_at_risk = held_at_risk {sign} {at_risk.format(t=t)}")

    changed = " OR ".join(f"{e.format(t='old')} IS NOT {e.format(t='new')}" for e in (breached, at_risk))
    conn.execute(
        "CREATE TRIGGER tickets_held_insert AFTER INSERT ON tickets"
        f" WHEN {breached.format(t='new')} OR {at_risk.format(t='new')}"
        f" BEGIN UPDATE queue_totals SET {delta('+', 'new')}; END"
    )
    conn.execute(
        "CREATE TRIGGER tickets_held_update AFTER UPDATE OF is_open, due_at, next_clock, frozen_left_s, window_s"
        f" ON tickets WHEN {changed}"
        f" BEGIN UPDATE queue_totals SET {delta('-', 'old')}; UPDATE queue_totals SET {delta('+', 'new')}; END"
    )
    conn.execute(
        "CREATE TRIGGER tickets_held_delete AFTER DELETE ON tickets"
        f" WHEN {breached.format(t='old')} OR {at_risk.format(t='old')}"
        f" BEGIN UPDATE queue_totals SET {delta('-', 'old')}; END"
    )
    # Nothing reads it now (it was for counting the held clocks on each poll).
    conn.execute("DROP INDEX IF EXISTS tickets_held")
    conn.execute(
        f"UPDATE queue_totals SET held_breached = (SELECT COALESCE(SUM({breached.format(t='t')}), 0) FROM tickets t),"
        f" held_at_risk = (SELECT COALESCE(SUM({at_risk.format(t='t')}), 0) FROM tickets t)"
    )

    # What one ticket adds to its technician's load (0/1, never NULL).
    load = "(({t}.is_open IS 1 AND {t}.technician_id IS NOT NULL AND {t}.status IN ('assigned', 'onsite', 'waiting')) IS 1)"
    conn.execute("CREATE TABLE technician_load (technician_id INTEGER PRIMARY KEY, open_load INTEGER NOT NULL)")
    add = ("INSERT INTO technician_load (technician_id, open_load) SELECT new.technician_id, 1"
           f" WHERE {load.format(t='new')} ON CONFLICT (technician_id) DO UPDATE SET open_load = open_load + 1;")
    remove = (f"UPDATE technician_load SET open_load = open_load - 1"
              f" WHERE technician_id = old.technician_id AND {load.format(t='old')};")
    conn.execute(f"CREATE TRIGGER tickets_load_insert AFTER INSERT ON tickets WHEN {load.format(t='new')}"
                 f" BEGIN {add} END")
    conn.execute(
        "CREATE TRIGGER tickets_load_update AFTER UPDATE OF is_open, technician_id, status ON tickets"
        f" WHEN {load.format(t='old')} IS NOT {load.format(t='new')} OR old.technician_id IS NOT new.technician_id"
        f" BEGIN {remove} {add} END"
    )
    conn.execute(f"CREATE TRIGGER tickets_load_delete AFTER DELETE ON tickets WHEN {load.format(t='old')}"
                 f" BEGIN {remove} END")
    conn.execute(
        "INSERT INTO technician_load (technician_id, open_load) SELECT technician_id, COUNT(*) FROM tickets"
        " WHERE is_open = 1 AND technician_id IS NOT NULL AND status IN ('assigned', 'onsite', 'waiting')"
        " GROUP BY technician_id"
    )
