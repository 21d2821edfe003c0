"""What the month workbook's "Fees" and "Invoices" sheets read (issue 25,
"Fees and invoices"): the fees of the tickets closed in a period summed per
priority and for the whole period, the parts under warranty against the
charged ones, and the period's invoices with the overdue unchecked first.
Sums are exact: fen as integers in SQL, the items' text as Decimal.
A mixin of FeesRepo (store/repo/fees.py), which wires it as ``store.fees``."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..money import FEN
from ..rules.evaluations import day_start_utc
from ..timeutil import from_db, to_db

if TYPE_CHECKING:
    from ..context import Context
    from ..database import Database
    from .settings import SettingsRepo

# Tickets closed in [s, e) with a fee typed or proposed: the rows of 'dispatch export fees'.
_CLOSED = ("t.status = 'closed' AND t.closed_at >= ? AND t.closed_at < ?"
           " AND (t.fee_cents IS NOT NULL OR t.fee_items IS NOT NULL)")


def _fen(cents: int | None) -> Decimal:
    return Decimal(cents or 0).scaleb(-2).quantize(FEN)


@dataclass
class FeeSum:
    """Tickets with a fee, what was proposed and recorded, and the invoices.
    ``proposed`` and ``difference`` count the tickets with a proposal only
    (a fee typed without a schedule has nothing to differ from)."""

    tickets: int = 0
    proposed: Decimal = Decimal("0.00")
    fee: Decimal = Decimal("0.00")
    difference: Decimal = Decimal("0.00")
    changed: int = 0
    invoiced: int = 0
    checked: int = 0

    def add(self, other: FeeSum) -> None:
        for k in ("tickets", "proposed", "fee", "difference", "changed", "invoiced", "checked"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def to_json(self) -> dict[str, Any]:
        return {"tickets": self.tickets, "proposed": str(self.proposed), "fee": str(self.fee),
                "difference": str(self.difference), "changed": self.changed, "invoiced": self.invoiced,
                "checked": self.checked}


@dataclass
class PartsSum:
    """Parts used on the period's tickets, under warranty or charged: how
    many, what their lots cost, and what the fees charged for them."""

    units: int = 0
    cost: Decimal = Decimal("0.00")
    charged: Decimal = Decimal("0.00")

    def to_json(self) -> dict[str, Any]:
        return {"units": self.units, "cost": str(self.cost), "charged": str(self.charged)}


@dataclass
class FeeTotals:
    priorities: dict[int, FeeSum] = field(default_factory=dict)
    total: FeeSum = field(default_factory=FeeSum)
    parts: dict[str, PartsSum] = field(default_factory=lambda: {"warranty": PartsSum(), "charged": PartsSum()})

    def to_json(self) -> dict[str, Any]:
        return {"priorities": {str(p): s.to_json() for p, s in sorted(self.priorities.items())},
                "total": self.total.to_json(), "parts": {k: v.to_json() for k, v in self.parts.items()}}


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice of the sheet: ``overdue`` when unchecked longer than ``invoice_check_days``."""

    ticket_id: int
    site: str
    priority: int
    closed_at: Any
    fee: Decimal
    number: str | None
    recorded_at: Any
    recorded_by: str | None
    checked_at: Any
    checked_by: str | None
    overdue: bool
    days_open: int | None  # unchecked: whole days since closing


class FeeReports:
    db: Database
    ctx: Context
    settings: SettingsRepo

    def _range(self, first: date, end: date) -> tuple[str, str]:
        tz = self.settings.timezone
        return to_db(day_start_utc(first, tz)) or "", to_db(day_start_utc(end, tz)) or ""

    def fee_totals(self, first: date, end: date) -> FeeTotals:
        """The fees of the tickets closed on the local days ``first`` ≤ day < ``end``."""
        s, e = self._range(first, end)
        out = FeeTotals()
        for r in self.db.q(
                "SELECT t.priority, count(*), SUM(t.fee_proposed_cents), SUM(COALESCE(t.fee_cents, 0)),"
                " SUM(CASE WHEN t.fee_proposed_cents IS NULL THEN 0 ELSE COALESCE(t.fee_cents, 0) - t.fee_proposed_cents END),"
                " SUM(t.fee_proposed_cents IS NOT NULL AND COALESCE(t.fee_cents, 0) != t.fee_proposed_cents),"
                " SUM(t.invoice_no IS NOT NULL), SUM(t.invoice_checked_at IS NOT NULL)"
                f" FROM tickets t WHERE {_CLOSED} GROUP BY t.priority", (s, e)):
            one = FeeSum(int(r[1]), _fen(r[2]), _fen(r[3]), _fen(r[4]), int(r[5]), int(r[6]), int(r[7]))
            out.priorities[int(r[0])] = one
            out.total.add(one)
        cost: dict[str, Decimal] = defaultdict(Decimal)
        for charge, units, each in self.db.q(
                "SELECT m.charge, m.quantity, m.cost FROM stock_moves m JOIN tickets t ON t.id = m.ticket_id"
                f" WHERE m.kind = 'use' AND {_CLOSED}", (s, e)):
            out.parts[charge].units += int(units)
            cost[charge] += Decimal(each)
        for charge, amount in cost.items():
            out.parts[charge].cost = amount.quantize(FEN)
        charged = Decimal(0)
        for (items,) in self.db.q(f"SELECT t.fee_items FROM tickets t WHERE {_CLOSED} AND t.fee_items IS NOT NULL",
                                  (s, e)):
            charged += sum((Decimal(i["amount"]) for i in json.loads(items)
                            if i["kind"] == "part" and not i.get("warranty")), Decimal(0))
        out.parts["charged"].charged = charged.quantize(FEN)
        return out

    def invoice_lines(self, first: date, end: date) -> list[InvoiceLine]:
        """The invoices of the tickets closed with a fee on the local days
        ``first`` ≤ day < ``end``: those unchecked longer than
        ``invoice_check_days`` first, then the other unchecked, then the
        checked; each by closing time."""
        s, e = self._range(first, end)
        now = self.ctx.now()
        cutoff = to_db(now.subtract(days=self.settings.invoice_check_days))
        out = []
        for r in self.db.q(
                "SELECT t.id, s.name, t.priority, t.closed_at, t.fee_cents, t.invoice_no, t.invoice_at, t.invoice_by,"
                " t.invoice_checked_at, t.invoice_checked_by,"
                " t.invoice_checked_at IS NULL AND t.closed_at < ? AS overdue"
                " FROM tickets t JOIN sites s ON s.id = t.site_id"
                " WHERE t.status = 'closed' AND t.fee_cents > 0 AND t.closed_at >= ? AND t.closed_at < ?"
                " ORDER BY overdue DESC, t.invoice_checked_at IS NOT NULL, t.closed_at, t.id", (cutoff, s, e)):
            closed = from_db(r[3])
            days = None if r[8] is not None or closed is None else int((now - closed).total_seconds() // 86400)
            out.append(InvoiceLine(r[0], r[1], r[2], closed, _fen(r[4]), r[5], from_db(r[6]), r[7], from_db(r[8]),
                                   r[9], bool(r[10]), days))
        return out
