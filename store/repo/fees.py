"""A ticket's fee by the schedule, and its invoice (issue 25, "Fees and
invoices"; the rules are store/rules/fees.py).

- Closing proposes the fee from the schedule (setting ``fee_schedule``) and the
  parts used on the ticket (their lots' cost, first in first out), item by
  item; the fee charged is the proposal unless typed, and a different amount
  needs a reason. The items, the proposed total and the reason are ticket
  columns written by the ``ticket.close`` event, so the history replays them.
  Until a manager sets a schedule the fee is typed as before (blank: none).
- Customer service (the dispatch desk, store/rules/auth.py) then records the
  invoice number on the closed ticket (``ticket.invoice``) and checks it
  (``ticket.invoice_check``): who and when are columns the events carry.
- The invoices list: closed tickets with a fee, the unchecked first; those
  unchecked ``invoice_check_days`` after closing are the ones to chase.
- The month's fee totals and invoice lines for the workbook: fee_reports.py."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pendulum import DateTime

from ..context import Context
from ..database import Database, Tx
from ..errors import RuleViolation, ValidationFailed
from ..i18n import _, ngettext
from ..models import Ticket
from ..money import FEN
from ..rules import fees
from ..timeutil import from_db, to_db
from .fee_reports import FeeReports
from .fee_work import work_of
from .settings import SettingsRepo
from .tickets import TicketsRepo


@dataclass(frozen=True)
class Invoice:
    """A closed ticket with a fee, and where its invoice stands."""

    ticket_id: int
    version: int
    site: str
    closed_at: DateTime
    fee: Decimal
    number: str | None
    recorded_at: DateTime | None
    recorded_by: str | None
    checked_at: DateTime | None
    checked_by: str | None

    def to_json(self) -> dict[str, Any]:
        return {"ticket": self.ticket_id, "version": self.version, "site": self.site,
                "closed_at": to_db(self.closed_at), "fee": str(self.fee.quantize(FEN)), "invoice_no": self.number,
                "invoice_at": to_db(self.recorded_at), "invoice_by": self.recorded_by,
                "checked_at": to_db(self.checked_at), "checked_by": self.checked_by}


class FeesRepo(FeeReports):
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo, tickets: TicketsRepo):
        self.db, self.ctx, self.settings, self.tickets = db, ctx, settings, tickets

    def set_schedule(self, value: Any) -> None:
        self.settings.set_setting("fee_schedule", value)

    def proposal(self, ticket_id: int) -> fees.Fee | None:
        """The fee the schedule proposes for this ticket now (None: no schedule)."""
        schedule = self.settings.fee_schedule()
        if schedule is None:
            return None
        return fees.propose(work_of(self.db.q, ticket_id), schedule, self.settings.calendar())

    # ------------------------------------------------------------ invoices
    def record_invoice(self, ticket_id: int, version: int, number: Any) -> Ticket:
        """Customer service writes the invoice number on a closed ticket with a fee."""
        text = " ".join(number.split()) if isinstance(number, str) else ""
        if not text:
            raise ValidationFailed.one("invoice_no", _("required"))
        if len(text) > fees.INVOICE_NO_MAX or not text.isprintable():
            raise ValidationFailed.one("invoice_no", ngettext(
                "at most {n} printable character", "at most {n} printable characters",
                fees.INVOICE_NO_MAX).format(n=fees.INVOICE_NO_MAX))

        def apply(tx: Tx, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            _invoiceable(ticket_id, row)
            if row["invoice_checked_at"] is not None:
                raise RuleViolation(_("The invoice of ticket #{id} is checked: its number stays").format(id=ticket_id))
            if row["invoice_no"] == text:
                raise RuleViolation(_("Nothing to save: no field was changed."))
            return {"invoice_no": text, "invoice_at": to_db(now), "invoice_by": self.ctx.actor}

        return self.tickets._change("ticket.invoice", ticket_id, version, apply)

    def check_invoice(self, ticket_id: int, version: int) -> Ticket:
        """Customer service checked the invoice against the fee: who and when."""
        def apply(tx: Tx, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
            _invoiceable(ticket_id, row)
            if row["invoice_no"] is None:
                raise RuleViolation(_("Ticket #{id} has no invoice number yet: record it first").format(id=ticket_id))
            if row["invoice_checked_at"] is not None:
                raise RuleViolation(_("The invoice of ticket #{id} is already checked").format(id=ticket_id))
            return {"invoice_checked_at": to_db(now), "invoice_checked_by": self.ctx.actor}

        return self.tickets._change("ticket.invoice_check", ticket_id, version, apply)

    def invoices(self, unchecked: bool = False, older_days: int | None = None, limit: int = 500) -> list[Invoice]:
        """Closed tickets with a fee, oldest closing first: all, or only those
        not checked, or closed more than ``older_days`` days ago."""
        where, params = ["t.fee_cents > 0", "t.closed_at IS NOT NULL"], []
        if unchecked:
            where.append("t.invoice_checked_at IS NULL")
        if older_days is not None:
            where.append("t.closed_at < ?")
            params.append(to_db(self.ctx.now().subtract(days=older_days)))
        rows = self.db.q(
            "SELECT t.id, t.version, s.name, t.closed_at, t.fee_cents, t.invoice_no, t.invoice_at, t.invoice_by,"
            " t.invoice_checked_at, t.invoice_checked_by FROM tickets t JOIN sites s ON s.id = t.site_id"
            f" WHERE {' AND '.join(where)} ORDER BY t.closed_at, t.id LIMIT ?", (*params, limit))
        return [Invoice(r[0], r[1], r[2], from_db(r[3]), Decimal(r[4]) / 100, r[5], from_db(r[6]), r[7],
                        from_db(r[8]), r[9]) for r in rows]

    def overdue_invoices(self) -> list[Invoice]:
        """Unchecked invoices older than the setting ``invoice_check_days``."""
        return self.invoices(unchecked=True, older_days=self.settings.invoice_check_days)


def _invoiceable(ticket_id: int, row: dict[str, Any]) -> None:
    if row["status"] != "closed":
        raise RuleViolation(_("Ticket #{id} is not closed: invoices are for closed tickets").format(id=ticket_id))
    if not row["fee_cents"]:
        raise RuleViolation(_("Ticket #{id} was closed without a fee: there is nothing to invoice").format(id=ticket_id))

