"""What a ticket's fee is worked out from, read in or out of a write, and
the fee columns a close writes (store/repo/fees.py has the rest: the
proposal outside a close, the invoices)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from ..database import Tx
from ..errors import NotFound, ValidationFailed
from ..i18n import _
from ..rules import fees
from ..rules.sla import Pause
from ..timeutil import from_db
from .settings import SettingsRepo

# (sql, params) -> rows: the same reads inside a write (its transaction) or outside.
Run = Callable[[str, Sequence[Any]], Sequence[Any]]


def work_of(run: Run, ticket_id: int) -> fees.Work:
    """What the fee is worked out from: the ticket's times, holds and parts used."""
    rows = run("SELECT priority, arrived_at, resolved_at, arrival_mode FROM tickets WHERE id = ?", (ticket_id,))
    if not rows:
        raise NotFound(_("No ticket #{id}").format(id=ticket_id))
    t = rows[0]
    holds = [Pause(from_db(p[0]), from_db(p[1])) for p in run(
        "SELECT started_at, ended_at FROM pauses WHERE ticket_id = ? ORDER BY started_at", (ticket_id,))]
    parts = [fees.PartUsed(f"{u[0]} {u[1]}", int(u[2]), Decimal(u[3]), u[4]) for u in run(
        "SELECT p.code, p.name, m.quantity, m.cost, m.charge FROM stock_moves m JOIN parts p ON p.id = m.part_id"
        " WHERE m.ticket_id = ? AND m.kind = 'use' ORDER BY m.id", (ticket_id,))]
    return fees.Work(int(t[0]), from_db(t[1]), from_db(t[2]), t[3], holds, parts)


def fee_columns(tx: Tx, ticket_id: int, settings: SettingsRepo, fee: Decimal | None, reason: str) -> dict[str, Any]:
    """The fee columns a close writes: the fee typed as before without a
    schedule; with one, the proposal's items and the fee charged (ValidationFailed
    on ``fee`` or ``reason`` when a different amount has no reason)."""
    schedule = settings.fee_schedule()
    if schedule is None:
        if reason.strip():
            raise ValidationFailed.one("reason", _("no fee schedule is set: there is no proposal to differ from"))
        return {"fee_cents": None if fee is None else int(fee * 100)}
    proposal = fees.propose(work_of(lambda s, p: tx.execute(s, p).fetchall(), ticket_id), schedule, settings.calendar())
    charged = fees.charge(proposal, fee, reason, settings.currency)
    return {"fee_cents": int(charged.amount * 100), "fee_proposed_cents": int(charged.proposed * 100),
            "fee_items": json.dumps(proposal.to_json(), ensure_ascii=False), "fee_reason": charged.reason or None}
