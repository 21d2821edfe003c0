"""The SQL of the "engineer notified" figure (store/rules/notified.py): a
period's, over the tickets reported in it, and one ticket's. The delivery
time is the ticket's ``notified_at`` (written by the sender, store/repo/outbox.py);
why a ticket was not told comes from its assignment messages (outbox.ticket_id)."""

from __future__ import annotations

from typing import Any

from ..database import Executes
from ..errors import NotFound
from ..i18n import _
from ..rules.notified import TARGET_S, NotifiedRaw, TicketNotified, rank, reason_of

# Seconds from report to delivery: both are stored to the second, so this is whole.
DELAY = "CAST(round((julianday(t.notified_at) - julianday(t.reported_at)) * 86400) AS INTEGER)"
# Counted: reported in the period, less those cancelled before anyone was told.
COUNTED = "{reported} AND (t.cancelled_at IS NULL OR t.notified_at IS NOT NULL)"
_STATES = ("(SELECT group_concat(o.state) FROM outbox o WHERE o.ticket_id = t.id"
           " AND json_extract(o.notice, '$.kind') = 'assignment')")
_ASSIGNMENT = "FROM outbox o WHERE o.ticket_id = t.id AND json_extract(o.notice, '$.kind') = 'assignment'"
_REASON = (f"CASE WHEN t.technician_id IS NULL THEN 'unassigned' WHEN EXISTS (SELECT 1 {_ASSIGNMENT} AND o.state = 'pending')"
           f" THEN 'waiting' WHEN EXISTS (SELECT 1 {_ASSIGNMENT} AND o.state = 'failed') THEN 'failed' ELSE 'no_address' END")
# The tickets behind each figure (reports.py _DRILL), as it counts them.
DRILL = {
    "notified": f"SELECT t.id FROM tickets t WHERE {COUNTED} AND t.notified_at IS NOT NULL",
    "notified_late": f"SELECT t.id FROM tickets t WHERE {COUNTED} AND (t.notified_at IS NULL OR {DELAY} > {TARGET_S})",
    "not_notified": f"SELECT t.id FROM tickets t WHERE {COUNTED} AND t.notified_at IS NULL",
}


def period_raw(conn: Executes, reported: str, p: dict[str, Any]) -> NotifiedRaw:
    """The period's figure; ``reported``: reports.py's WHERE for the tickets
    reported in it (scope included), ``p`` its parameters."""
    where = COUNTED.format(reported=reported)
    counted, n, total, within = conn.execute(
        f"SELECT COUNT(*), COUNT(t.notified_at), TOTAL({DELAY}), TOTAL({DELAY} <= {TARGET_S})"
        f" FROM tickets t WHERE {where}", p).fetchone()
    out = NotifiedRaw(counted=int(counted), within=int(within), n=int(n), total=float(total))
    if n:
        k50 = rank(50, n)
        at = conn.execute(
            f"SELECT v FROM (SELECT {DELAY} AS v, row_number() OVER (ORDER BY {DELAY}) AS rn FROM tickets t"
            f" WHERE {where} AND t.notified_at IS NOT NULL) WHERE rn = :k50", {**p, "k50": k50}).fetchone()
        out.median = float(at[0]) if at else None
    # Those not told, by why (rules.notified.reason_of, in SQL: a file with no
    # addresses at all has every ticket here).
    for reason, count in conn.execute(f"SELECT {_REASON}, COUNT(*) FROM tickets t WHERE {where} AND t.notified_at IS NULL"
                                      " GROUP BY 1", p):
        out.never[reason] = int(count)
    return out


def ticket_notified(conn: Executes, ticket_id: int) -> TicketNotified:
    row = conn.execute(f"SELECT t.notified_at, {DELAY}, t.technician_id, {_STATES} FROM tickets t WHERE t.id = ?",
                       (ticket_id,)).fetchone()
    if row is None:
        raise NotFound(_("No ticket #{id}").format(id=ticket_id))
    at, delay, tech, states = row
    if at is not None:
        return TicketNotified(at, float(delay), None)
    return TicketNotified(None, None, reason_of(tech, (states or "").split(",")))
