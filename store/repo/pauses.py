"""A ticket's holds as the SLA clocks take them: read by the tickets (a
ticket's clocks) and by the settings (deadlines placed again after a change)."""

from __future__ import annotations

from typing import Any

from ..database import Database
from ..rules.sla import Pause
from ..timeutil import from_db


def pauses_by_ticket(db: Database, ticket_id: int | None = None) -> dict[int, list[Pause]]:
    """The holds of one ticket, or (None) of every open ticket, in order."""
    sql = "SELECT ticket_id, started_at, ended_at FROM pauses"
    params: tuple[Any, ...] = ()
    if ticket_id is not None:
        sql += " WHERE ticket_id = ?"
        params = (ticket_id,)
    else:
        sql += " WHERE ticket_id IN (SELECT id FROM tickets WHERE is_open = 1)"
    out: dict[int, list[Pause]] = {}
    for r in db.q(sql + " ORDER BY started_at", params):
        start = from_db(r[1])
        assert start is not None  # started_at is NOT NULL
        out.setdefault(r[0], []).append(Pause(start, from_db(r[2])))
    return out


def pauses(db: Database, ticket_id: int) -> list[Pause]:
    return pauses_by_ticket(db, ticket_id).get(ticket_id, [])
